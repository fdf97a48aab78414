<?xml version="1.0" encoding="UTF-8"?>
<!-- MOT: case document (CANCEL, with the receipt number) -> WithdrawLicenceApplication. -->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:c="urn:licensing-hub:case:v1"
                xmlns="urn:licensing-hub:dept:mot:v1"
                exclude-result-prefixes="c">

  <xsl:output method="xml" encoding="UTF-8" indent="yes"/>

  <xsl:template match="/c:Case">
    <WithdrawLicenceApplication>
      <MessageId><xsl:value-of select="c:MessageId"/></MessageId>
      <ReceiptNumber><xsl:value-of select="c:ReceiptNumber"/></ReceiptNumber>
      <LicenceKind>
        <xsl:choose>
          <xsl:when test="c:Call/@permit = 'P02'">DOMESTIC_WATERWAY_TRANSPORT</xsl:when>
          <xsl:when test="c:Call/@permit = 'P03'">SHIP_OPERATING_CERTIFICATE</xsl:when>
          <xsl:when test="c:Call/@permit = 'P04'">INTERNATIONAL_SHIPPING_OPERATION</xsl:when>
          <xsl:otherwise>
            <xsl:message terminate="yes">mot: no licence for permit <xsl:value-of select="c:Call/@permit"/></xsl:message>
          </xsl:otherwise>
        </xsl:choose>
      </LicenceKind>
      <Reason>申请人撤回申请 / withdrawn by the applicant (<xsl:value-of select="c:PackageId"/>)</Reason>
    </WithdrawLicenceApplication>
  </xsl:template>

</xsl:stylesheet>
