<?xml version="1.0"?>
<!--
  SPDX-License-Identifier: LGPL-2.1-or-later
  ocf2man.xsl - an OCF resource agent's meta-data (resource-agent API 1.1)
  -> a man(7) page in section 7, written directly as roff (no DocBook step).

    AGENT meta-data | xsltproc -\-stringparam provider ferry \
        -\-stringparam date 2026-12 -\-stringparam version 0.1.0 ocf2man.xsl - > ocf_ferry_vm.7

  Text is escaped for roff: backslashes doubled, a leading dot or quote
  guarded with \&, and "-" written as \- (what man(7) prints as a minus).
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
<xsl:output method="text" encoding="UTF-8"/>
<xsl:strip-space elements="*"/>

<xsl:param name="provider" select="'ferry'"/>
<xsl:param name="date" select="''"/>
<xsl:param name="version" select="/resource-agent/@version"/>

<xsl:variable name="agent" select="/resource-agent/@name"/>
<xsl:variable name="page" select="concat('ocf_', $provider, '_', $agent)"/>
<xsl:variable name="NL" select="'&#10;'"/>

<!-- replace every $from in $text by $to -->
<xsl:template name="replace">
  <xsl:param name="text"/>
  <xsl:param name="from"/>
  <xsl:param name="to"/>
  <xsl:choose>
    <xsl:when test="contains($text, $from)">
      <xsl:value-of select="concat(substring-before($text, $from), $to)"/>
      <xsl:call-template name="replace">
        <xsl:with-param name="text" select="substring-after($text, $from)"/>
        <xsl:with-param name="from" select="$from"/>
        <xsl:with-param name="to" select="$to"/>
      </xsl:call-template>
    </xsl:when>
    <xsl:otherwise><xsl:value-of select="$text"/></xsl:otherwise>
  </xsl:choose>
</xsl:template>

<!-- one line of running text, safe for roff -->
<xsl:template name="roff">
  <xsl:param name="text"/>
  <xsl:variable name="bs">
    <xsl:call-template name="replace">
      <xsl:with-param name="text" select="normalize-space($text)"/>
      <xsl:with-param name="from" select="'\'"/>
      <xsl:with-param name="to" select="'\e'"/>
    </xsl:call-template>
  </xsl:variable>
  <xsl:variable name="minus">
    <xsl:call-template name="replace">
      <xsl:with-param name="text" select="$bs"/>
      <xsl:with-param name="from" select="'-'"/>
      <xsl:with-param name="to" select="'\-'"/>
    </xsl:call-template>
  </xsl:variable>
  <xsl:if test="starts-with($minus, '.') or starts-with($minus, &quot;'&quot;)">\&amp;</xsl:if>
  <xsl:value-of select="$minus"/>
</xsl:template>

<xsl:template match="/resource-agent">
  <xsl:value-of select="concat('.\&quot; Generated from the meta-data of ocf:', $provider, ':', $agent, ' by doc/ocf2man.xsl; do not edit.', $NL)"/>
  <xsl:value-of select="concat('.TH ', translate($page, 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'),
                               ' 7 &quot;', $date, '&quot; &quot;', $provider, ' ', $version,
                               '&quot; &quot;OCF resource agents&quot;', $NL)"/>
  <xsl:value-of select="concat('.SH NAME', $NL, $page, ' \- ')"/>
  <xsl:call-template name="roff"><xsl:with-param name="text" select="shortdesc"/></xsl:call-template>
  <xsl:value-of select="concat($NL, '.SH SYNOPSIS', $NL, '.B ocf:', $provider, ':', $agent, $NL)"/>
  <xsl:for-each select="parameters/parameter[@required = '1']">
    <xsl:value-of select="concat('.BI ', @name, '= value', $NL)"/>
  </xsl:for-each>
  <xsl:value-of select="concat('.RI [ parameter = value ...]', $NL)"/>
  <xsl:value-of select="concat('.SH DESCRIPTION', $NL)"/>
  <xsl:call-template name="roff"><xsl:with-param name="text" select="longdesc"/></xsl:call-template>
  <xsl:value-of select="$NL"/>
  <xsl:value-of select="concat('.SH PARAMETERS', $NL)"/>
  <xsl:apply-templates select="parameters/parameter"/>
  <xsl:value-of select="concat('.SH ACTIONS', $NL)"/>
  <xsl:apply-templates select="actions/action"/>
  <xsl:value-of select="concat('.SH EXAMPLE', $NL, '.nf', $NL, 'pcs resource create web1 ocf:', $provider, ':', $agent)"/>
  <xsl:for-each select="parameters/parameter[@required = '1']">
    <xsl:value-of select="concat(' ', @name, '=...')"/>
  </xsl:for-each>
  <xsl:value-of select="concat(' \e', $NL, '    meta allow\-migrate=true', $NL, '.fi', $NL)"/>
  <xsl:value-of select="concat('.SH SEE ALSO', $NL, '.BR ferryd (8),', $NL, '.BR ferryctl (8),', $NL,
                               '.BR ferryd.conf (5),', $NL, '.BR crm_resource (8)', $NL)"/>
</xsl:template>

<xsl:template match="parameter">
  <xsl:value-of select="concat('.TP', $NL, '.B ')"/>
  <xsl:call-template name="roff"><xsl:with-param name="text" select="@name"/></xsl:call-template>
  <xsl:if test="@required = '1'"> (required)</xsl:if>
  <xsl:if test="@unique = '1'"> (unique)</xsl:if>
  <xsl:if test="@reloadable = '1'"> (reloadable)</xsl:if>
  <xsl:value-of select="$NL"/>
  <xsl:call-template name="roff"><xsl:with-param name="text" select="longdesc"/></xsl:call-template>
  <xsl:value-of select="$NL"/>
  <xsl:value-of select="concat('.br', $NL, 'Type: ', content/@type)"/>
  <xsl:choose>
    <xsl:when test="content/@default and content/@default != ''">
      <xsl:text>; default: </xsl:text>
      <xsl:call-template name="roff"><xsl:with-param name="text" select="content/@default"/></xsl:call-template>
    </xsl:when>
    <xsl:when test="content/@default">; default: empty</xsl:when>
  </xsl:choose>
  <xsl:if test="content/option">
    <xsl:text>; one of: </xsl:text>
    <xsl:for-each select="content/option">
      <xsl:value-of select="@value"/>
      <xsl:if test="position() != last()">, </xsl:if>
    </xsl:for-each>
  </xsl:if>
  <xsl:text>.</xsl:text>
  <xsl:value-of select="$NL"/>
</xsl:template>

<xsl:template match="action">
  <xsl:value-of select="concat('.TP', $NL, '.B ')"/>
  <xsl:call-template name="roff"><xsl:with-param name="text" select="@name"/></xsl:call-template>
  <xsl:value-of select="$NL"/>
  <xsl:text>Timeout </xsl:text><xsl:value-of select="@timeout"/>
  <xsl:if test="@interval">, interval <xsl:value-of select="@interval"/></xsl:if>
  <xsl:if test="@depth">, depth <xsl:value-of select="@depth"/></xsl:if>
  <xsl:if test="@role">, role <xsl:value-of select="@role"/></xsl:if>
  <xsl:text>.</xsl:text>
  <xsl:value-of select="$NL"/>
</xsl:template>

</xsl:stylesheet>
