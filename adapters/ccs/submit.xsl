<?xml version="1.0" encoding="UTF-8"?>
<!--
  CCS, P12: case document -> SurveyRequest (statutory survey of the ship).
  Used for SUBMIT and CORRECTION. P12 has no prerequisite, so the request
  usually leaves before the company exists: the applicant's USCC (P01 uscc)
  is sent only once issued. An initial survey includes tonnage measurement.
-->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:c="urn:licensing-hub:case:v1"
                xmlns:p="urn:licensing-hub:package:v1"
                xmlns="urn:licensing-hub:dept:ccs:v1"
                exclude-result-prefixes="c p">

  <xsl:output method="xml" encoding="UTF-8" indent="yes"/>
  <xsl:strip-space elements="*"/>

  <!-- key('output', 'P01/uscc'): the values of an output of an issued certificate. -->
  <xsl:key name="output" match="c:Certificate/c:Output" use="concat(../@permit, '/', @name)"/>

  <xsl:variable name="case" select="/c:Case"/>
  <xsl:variable name="package" select="$case/p:ApplicationPackage"/>
  <xsl:variable name="vesselIndex">
    <xsl:choose>
      <xsl:when test="$case/c:Call/@vessel"><xsl:value-of select="$case/c:Call/@vessel"/></xsl:when>
      <xsl:otherwise>1</xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="vessel" select="$package/p:Vessels/p:Vessel[position() = number($vesselIndex)]"/>

  <xsl:template match="/">
    <xsl:if test="$case/c:Call/@permit != 'P12'">
      <xsl:message terminate="yes">ccs: no survey for permit <xsl:value-of select="$case/c:Call/@permit"/></xsl:message>
    </xsl:if>
    <SurveyRequest>
      <MessageId><xsl:value-of select="$case/c:MessageId"/></MessageId>
      <CallbackUrl><xsl:value-of select="$case/c:Hub/c:CallbackUrl"/></CallbackUrl>
      <xsl:for-each select="$case/c:ReceiptNumber">
        <ReceiptNumber><xsl:value-of select="."/></ReceiptNumber>
      </xsl:for-each>
      <xsl:apply-templates select="$package/p:Company"/>
      <xsl:apply-templates select="$vessel"/>
      <xsl:apply-templates select="$vessel/p:Survey"/>
      <xsl:apply-templates select="$package/p:Attachments/p:Attachment[p:Kind = 'SHIP_PLANS' or p:Kind = 'BUILDER_CERTIFICATE']"/>
      <xsl:for-each select="$case/c:Supplement">
        <Supplement><xsl:copy-of select="node()"/></Supplement>
      </xsl:for-each>
    </SurveyRequest>
  </xsl:template>

  <xsl:template match="p:Company">
    <Applicant>
      <Name><xsl:value-of select="p:ProposedName"/></Name>
      <xsl:for-each select="key('output', 'P01/uscc')">
        <Uscc><xsl:value-of select="."/></Uscc>
      </xsl:for-each>
      <xsl:for-each select="p:LegalRepresentative/p:Phone">
        <ContactPhone><xsl:value-of select="."/></ContactPhone>
      </xsl:for-each>
    </Applicant>
  </xsl:template>

  <!-- Package vessel -> ship particulars, tonnage as declared (the survey measures it). -->
  <xsl:template match="p:Vessel">
    <Ship>
      <NameZh><xsl:value-of select="p:NameZh"/></NameZh>
      <NameEn><xsl:value-of select="p:NameEn"/></NameEn>
      <xsl:for-each select="p:ImoNumber">
        <ImoNumber><xsl:value-of select="."/></ImoNumber>
      </xsl:for-each>
      <xsl:for-each select="p:ShipIdNumber">
        <ShipIdNumber><xsl:value-of select="."/></ShipIdNumber>
      </xsl:for-each>
      <ShipType><xsl:value-of select="p:ShipType"/></ShipType>
      <YearOfBuild><xsl:value-of select="p:YearOfBuild"/></YearOfBuild>
      <LengthOverall><xsl:value-of select="p:LengthOverallMetres"/></LengthOverall>
      <Breadth><xsl:value-of select="p:BeamMetres"/></Breadth>
      <Deadweight><xsl:value-of select="p:DeadweightTonnes"/></Deadweight>
      <DeclaredGrossTonnage><xsl:value-of select="p:GrossTonnage"/></DeclaredGrossTonnage>
      <DeclaredNetTonnage><xsl:value-of select="p:NetTonnage"/></DeclaredNetTonnage>
    </Ship>
  </xsl:template>

  <!-- Package survey -> survey types, date and place (the survey port, else the yard). -->
  <xsl:template match="p:Survey">
    <SurveyTypes>
      <SurveyType><xsl:value-of select="p:SurveyKind"/></SurveyType>
      <xsl:if test="p:SurveyKind = 'INITIAL'">
        <SurveyType>TONNAGE_MEASUREMENT</SurveyType>
      </xsl:if>
    </SurveyTypes>
    <PlannedDate><xsl:value-of select="p:PlannedSurveyDate"/></PlannedDate>
    <SurveyPlace>
      <xsl:choose>
        <xsl:when test="p:SurveyPort"><xsl:value-of select="p:SurveyPort"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="../p:Shipyard"/></xsl:otherwise>
      </xsl:choose>
    </SurveyPlace>
    <Yard><xsl:value-of select="../p:Shipyard"/></Yard>
  </xsl:template>

  <xsl:template match="p:Attachment">
    <Document>
      <Kind><xsl:value-of select="p:Kind"/></Kind>
      <FileName><xsl:value-of select="p:FileName"/></FileName>
      <MediaType><xsl:value-of select="p:MediaType"/></MediaType>
      <Sha256><xsl:value-of select="p:Sha256"/></Sha256>
      <Content><xsl:value-of select="p:Content"/></Content>
    </Document>
  </xsl:template>

</xsl:stylesheet>
