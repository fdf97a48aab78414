<?xml version="1.0" encoding="UTF-8"?>
<!-- SAMR: case document (CANCEL, with the receipt number) -> RegistrationWithdrawal. -->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:c="urn:licensing-hub:case:v1"
                xmlns="urn:licensing-hub:dept:samr:v1"
                exclude-result-prefixes="c">

  <xsl:output method="xml" encoding="UTF-8" indent="yes"/>

  <xsl:template match="/c:Case">
    <RegistrationWithdrawal>
      <MessageId><xsl:value-of select="c:MessageId"/></MessageId>
      <ReceiptNumber><xsl:value-of select="c:ReceiptNumber"/></ReceiptNumber>
      <Reason>申请人撤回申请 / withdrawn by the applicant (<xsl:value-of select="c:PackageId"/>)</Reason>
    </RegistrationWithdrawal>
  </xsl:template>

</xsl:stylesheet>
