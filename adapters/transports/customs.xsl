<?xml version="1.0" encoding="UTF-8"?>
<!--
  Package/Head/Body envelope for transport kind "customs": wraps one business
  document (e.g. ConveyanceFiling, FilingCancel) in Package/Body and writes
  the routing Head. The envelope takes the namespace of the body.

  Parameters (string values):
    messageId    Head/MessageId: the stable id of the logical call (required)
    sentAt       Head/SendTime, xs:dateTime in UTC (required)
    senderId     Head/SenderId (required)
    receiverId   Head/ReceiverId: the department's code (required)
    messageType  Head/MessageType; when empty, the body element's local name
    version      Head/Version, default 1.0
-->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform">

  <xsl:output method="xml" encoding="UTF-8" indent="yes"/>
  <xsl:strip-space elements="*"/>

  <xsl:param name="messageId"/>
  <xsl:param name="sentAt"/>
  <xsl:param name="senderId"/>
  <xsl:param name="receiverId"/>
  <xsl:param name="messageType" select="''"/>
  <xsl:param name="version" select="'1.0'"/>

  <xsl:variable name="ns" select="namespace-uri(/*)"/>

  <xsl:template match="/">
    <xsl:element name="Package" namespace="{$ns}">
      <xsl:element name="Head" namespace="{$ns}">
        <xsl:element name="MessageId" namespace="{$ns}"><xsl:value-of select="$messageId"/></xsl:element>
        <xsl:element name="MessageType" namespace="{$ns}">
          <xsl:choose>
            <xsl:when test="$messageType != ''"><xsl:value-of select="$messageType"/></xsl:when>
            <xsl:otherwise><xsl:value-of select="local-name(/*)"/></xsl:otherwise>
          </xsl:choose>
        </xsl:element>
        <xsl:element name="SenderId" namespace="{$ns}"><xsl:value-of select="$senderId"/></xsl:element>
        <xsl:element name="ReceiverId" namespace="{$ns}"><xsl:value-of select="$receiverId"/></xsl:element>
        <xsl:element name="SendTime" namespace="{$ns}"><xsl:value-of select="$sentAt"/></xsl:element>
        <xsl:element name="Version" namespace="{$ns}"><xsl:value-of select="$version"/></xsl:element>
      </xsl:element>
      <xsl:element name="Body" namespace="{$ns}">
        <xsl:copy-of select="/*"/>
      </xsl:element>
    </xsl:element>
  </xsl:template>

</xsl:stylesheet>
