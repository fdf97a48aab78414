<?xml version="1.0" encoding="UTF-8"?>
<!-- MSA poll: case document (STATUS_QUERY, with the receipt number) -> EPCStatusQueryBody. -->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:c="urn:licensing-hub:case:v1"
                xmlns="urn:licensing-hub:dept:msa:v1"
                exclude-result-prefixes="c">

  <xsl:output method="xml" encoding="UTF-8" indent="yes"/>

  <xsl:template match="/c:Case">
    <EPCStatusQueryBody>
      <ReceiptNumber><xsl:value-of select="c:ReceiptNumber"/></ReceiptNumber>
    </EPCStatusQueryBody>
  </xsl:template>

</xsl:stylesheet>
