<?xml version="1.0" encoding="UTF-8"?>
<!--
  ISO 28005-style envelope for transport kind "epc": wraps one body element
  (EPCRequestBody, EPCCancelBody, EPCStatusQueryBody, ...) in an EPCMessage
  with its EPCMessageHeader. The envelope takes the namespace of the body, so
  any department speaking an EPC dialect can use it.

  Parameters (string values):
    messageId    ShipMessageId: the stable id of the logical call (required)
    sentAt       SentTime, xs:dateTime in UTC (required)
    senderId     SenderId (required)
    messageType  MessageType; when empty it follows the body element:
                 EPCRequestBody REQUEST, EPCCancelBody CANCEL,
                 EPCStatusQueryBody STATUS_QUERY, EPCAcknowledgeBody ACKNOWLEDGE,
                 EPCReceiptBody RECEIPT
    replyUri     ReplyURI, written only when not empty
    version      Version, default 1.0
-->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform">

  <xsl:output method="xml" encoding="UTF-8" indent="yes"/>
  <xsl:strip-space elements="*"/>

  <xsl:param name="messageId"/>
  <xsl:param name="sentAt"/>
  <xsl:param name="senderId"/>
  <xsl:param name="messageType" select="''"/>
  <xsl:param name="replyUri" select="''"/>
  <xsl:param name="version" select="'1.0'"/>

  <xsl:variable name="ns" select="namespace-uri(/*)"/>

  <xsl:template match="/">
    <xsl:element name="EPCMessage" namespace="{$ns}">
      <xsl:element name="EPCMessageHeader" namespace="{$ns}">
        <xsl:call-template name="field">
          <xsl:with-param name="name" select="'ShipMessageId'"/>
          <xsl:with-param name="value" select="$messageId"/>
        </xsl:call-template>
        <xsl:call-template name="field">
          <xsl:with-param name="name" select="'SentTime'"/>
          <xsl:with-param name="value" select="$sentAt"/>
        </xsl:call-template>
        <xsl:call-template name="field">
          <xsl:with-param name="name" select="'MessageType'"/>
          <xsl:with-param name="value">
            <xsl:choose>
              <xsl:when test="$messageType != ''"><xsl:value-of select="$messageType"/></xsl:when>
              <xsl:otherwise><xsl:call-template name="message-type-of-body"/></xsl:otherwise>
            </xsl:choose>
          </xsl:with-param>
        </xsl:call-template>
        <xsl:call-template name="field">
          <xsl:with-param name="name" select="'SenderId'"/>
          <xsl:with-param name="value" select="$senderId"/>
        </xsl:call-template>
        <xsl:if test="$replyUri != ''">
          <xsl:call-template name="field">
            <xsl:with-param name="name" select="'ReplyURI'"/>
            <xsl:with-param name="value" select="$replyUri"/>
          </xsl:call-template>
        </xsl:if>
        <xsl:call-template name="field">
          <xsl:with-param name="name" select="'Version'"/>
          <xsl:with-param name="value" select="$version"/>
        </xsl:call-template>
      </xsl:element>
      <xsl:copy-of select="/*"/>
    </xsl:element>
  </xsl:template>

  <xsl:template name="message-type-of-body">
    <xsl:variable name="body" select="local-name(/*)"/>
    <xsl:choose>
      <xsl:when test="$body = 'EPCRequestBody'">REQUEST</xsl:when>
      <xsl:when test="$body = 'EPCCancelBody'">CANCEL</xsl:when>
      <xsl:when test="$body = 'EPCStatusQueryBody'">STATUS_QUERY</xsl:when>
      <xsl:when test="$body = 'EPCAcknowledgeBody'">ACKNOWLEDGE</xsl:when>
      <xsl:when test="$body = 'EPCReceiptBody'">RECEIPT</xsl:when>
      <xsl:otherwise>
        <xsl:message terminate="yes">epc envelope: unknown body element <xsl:value-of select="$body"/></xsl:message>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="field">
    <xsl:param name="name"/>
    <xsl:param name="value"/>
    <xsl:element name="{$name}" namespace="{$ns}"><xsl:value-of select="$value"/></xsl:element>
  </xsl:template>

</xsl:stylesheet>
