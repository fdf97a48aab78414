<?xml version="1.0" encoding="UTF-8"?>
<!--
  SOAP 1.1 envelope for transport kind "soap11": wraps the request body (the
  output of a department stylesheet, one element) in soap:Envelope/soap:Body.
  SOAP 1.1 names the operation by the body element and the SOAPAction HTTP
  header, so the common envelope parameters are accepted and not written.
-->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">

  <xsl:output method="xml" encoding="UTF-8" indent="yes"/>
  <xsl:strip-space elements="*"/>

  <xsl:param name="messageId"/>
  <xsl:param name="sentAt"/>
  <xsl:param name="senderId"/>
  <xsl:param name="messageType"/>

  <xsl:template match="/">
    <soap:Envelope>
      <soap:Body>
        <xsl:copy-of select="/*"/>
      </soap:Body>
    </soap:Envelope>
  </xsl:template>

</xsl:stylesheet>
