<?xml version="1.0" encoding="UTF-8"?>
<!-- MSA: case document (CANCEL, with the receipt number) -> EPCCancelBody. -->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:c="urn:licensing-hub:case:v1"
                xmlns="urn:licensing-hub:dept:msa:v1"
                exclude-result-prefixes="c">

  <xsl:output method="xml" encoding="UTF-8" indent="yes"/>

  <xsl:template match="/c:Case">
    <EPCCancelBody>
      <ReceiptNumber><xsl:value-of select="c:ReceiptNumber"/></ReceiptNumber>
      <CertificateKind>
        <xsl:choose>
          <xsl:when test="c:Call/@permit = 'P05'">SHIP_OWNERSHIP</xsl:when>
          <xsl:when test="c:Call/@permit = 'P06'">NATIONALITY</xsl:when>
          <xsl:when test="c:Call/@permit = 'P07'">MINIMUM_SAFE_MANNING</xsl:when>
          <xsl:when test="c:Call/@permit = 'P08'">DOC_SMC</xsl:when>
          <xsl:when test="c:Call/@permit = 'P09'">CIVIL_LIABILITY_INSURANCE</xsl:when>
          <xsl:when test="c:Call/@permit = 'P10'">SHIP_STATION_LICENCE</xsl:when>
          <xsl:otherwise>
            <xsl:message terminate="yes">msa: no certificate for permit <xsl:value-of select="c:Call/@permit"/></xsl:message>
          </xsl:otherwise>
        </xsl:choose>
      </CertificateKind>
      <Reason>申请人撤回申请 / withdrawn by the applicant (<xsl:value-of select="c:PackageId"/>)</Reason>
    </EPCCancelBody>
  </xsl:template>

</xsl:stylesheet>
