<?xml version="1.0" encoding="UTF-8"?>
<!--
  MSA, P05..P10: case document -> EPCRequestBody with one ClearanceRequest
  (the epc transport adds EPCMessage and its header). Used for SUBMIT and
  CORRECTION. Ship and company data use IMO Compendium names. Carried from
  earlier certificates:
    P01 uscc, licenceNumber          -> Company/USCC, business licence (P05, P08)
    P05 ownershipCertificateNumber   -> related OWNERSHIP certificate (P06, P10)
    P06 nationalityCertificateNumber -> related NATIONALITY certificate (P07, P08, P09)
    P06 portOfRegistry               -> Ship/PortOfRegistry (declared port otherwise)
    P10 mmsi, callSign               -> Ship/MMSI, Ship/CallSign once assigned
    P12 grossTonnage, netTonnage     -> Ship tonnage (as measured; declared otherwise)
    P12 surveyCertificateNumbers     -> related STATUTORY_SURVEY certificates (P06)
    P08 imoCompanyNumber             -> Company/IMOCompanyNumber (package IsmManager otherwise)
-->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:c="urn:licensing-hub:case:v1"
                xmlns:p="urn:licensing-hub:package:v1"
                xmlns="urn:licensing-hub:dept:msa:v1"
                exclude-result-prefixes="c p">

  <xsl:output method="xml" encoding="UTF-8" indent="yes"/>
  <xsl:strip-space elements="*"/>

  <!-- key('output', 'P01/uscc'): the values of an output of an issued certificate. -->
  <xsl:key name="output" match="c:Certificate/c:Output" use="concat(../@permit, '/', @name)"/>
  <xsl:key name="certificate" match="c:Certificate" use="@permit"/>

  <xsl:variable name="case" select="/c:Case"/>
  <xsl:variable name="permit" select="string($case/c:Call/@permit)"/>
  <xsl:variable name="package" select="$case/p:ApplicationPackage"/>
  <xsl:variable name="company" select="$package/p:Company"/>
  <xsl:variable name="vesselIndex">
    <xsl:choose>
      <xsl:when test="$case/c:Call/@vessel"><xsl:value-of select="$case/c:Call/@vessel"/></xsl:when>
      <xsl:otherwise>1</xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="vessel" select="$package/p:Vessels/p:Vessel[position() = number($vesselIndex)]"/>

  <xsl:template match="/">
    <EPCRequestBody>
      <ClearanceRequest>
        <CertificateKind><xsl:call-template name="certificate-kind"/></CertificateKind>
        <xsl:for-each select="$case/c:ReceiptNumber">
          <ReceiptNumber><xsl:value-of select="."/></ReceiptNumber>
        </xsl:for-each>
        <xsl:apply-templates select="$vessel"/>
        <xsl:call-template name="company"/>
        <xsl:call-template name="related-certificates"/>
        <xsl:if test="$permit = 'P09'">
          <!-- Civil liability certificates cover oil (CLC) and bunker pollution, not P&I. -->
          <xsl:apply-templates select="$vessel/p:Insurance[p:CoverType = 'CLC' or p:CoverType = 'BUNKER']"/>
        </xsl:if>
        <xsl:if test="$permit = 'P10'">
          <xsl:apply-templates select="$vessel/p:RadioEquipment"/>
        </xsl:if>
        <xsl:apply-templates select="$package/p:Attachments/p:Attachment[p:Kind = $attachmentKind]"/>
        <xsl:for-each select="$case/c:Supplement">
          <Supplement><xsl:copy-of select="node()"/></Supplement>
        </xsl:for-each>
      </ClearanceRequest>
    </EPCRequestBody>
  </xsl:template>

  <!-- Hub permit -> MSA certificate kind. -->
  <xsl:template name="certificate-kind">
    <xsl:choose>
      <xsl:when test="$permit = 'P05'">SHIP_OWNERSHIP</xsl:when>
      <xsl:when test="$permit = 'P06'">NATIONALITY</xsl:when>
      <xsl:when test="$permit = 'P07'">MINIMUM_SAFE_MANNING</xsl:when>
      <xsl:when test="$permit = 'P08'">DOC_SMC</xsl:when>
      <xsl:when test="$permit = 'P09'">CIVIL_LIABILITY_INSURANCE</xsl:when>
      <xsl:when test="$permit = 'P10'">SHIP_STATION_LICENCE</xsl:when>
      <xsl:otherwise>
        <xsl:message terminate="yes">msa: no certificate for permit <xsl:value-of select="$permit"/></xsl:message>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- The attachment kind each certificate needs (config/catalogue.json requiredAttachments). -->
  <xsl:variable name="attachmentKind">
    <xsl:choose>
      <xsl:when test="$permit = 'P05'">OWNERSHIP_PROOF</xsl:when>
      <xsl:when test="$permit = 'P06'">SHIP_PHOTOGRAPH</xsl:when>
      <xsl:when test="$permit = 'P07'">MANNING_PLAN</xsl:when>
      <xsl:when test="$permit = 'P08'">SAFETY_MANAGEMENT_MANUAL</xsl:when>
      <xsl:when test="$permit = 'P09'">INSURANCE_POLICY</xsl:when>
      <xsl:when test="$permit = 'P10'">RADIO_EQUIPMENT_LIST</xsl:when>
    </xsl:choose>
  </xsl:variable>

  <!-- Package vessel + identities assigned so far -> Ship (IMO Compendium names). -->
  <xsl:template match="p:Vessel">
    <Ship>
      <ShipName><xsl:value-of select="p:NameEn"/></ShipName>
      <ShipNameLocal><xsl:value-of select="p:NameZh"/></ShipNameLocal>
      <xsl:for-each select="p:ImoNumber">
        <IMONumber><xsl:value-of select="."/></IMONumber>
      </xsl:for-each>
      <xsl:for-each select="p:ShipIdNumber">
        <ShipIdNumber><xsl:value-of select="."/></ShipIdNumber>
      </xsl:for-each>
      <xsl:for-each select="key('output', 'P10/callSign')">
        <CallSign><xsl:value-of select="."/></CallSign>
      </xsl:for-each>
      <xsl:for-each select="key('output', 'P10/mmsi')">
        <MMSI><xsl:value-of select="."/></MMSI>
      </xsl:for-each>
      <FlagState>CN</FlagState>
      <PortOfRegistry>
        <xsl:call-template name="issued-or">
          <xsl:with-param name="key" select="'P06/portOfRegistry'"/>
          <xsl:with-param name="fallback" select="p:PortOfRegistry"/>
        </xsl:call-template>
      </PortOfRegistry>
      <GrossTonnage>
        <xsl:call-template name="issued-or">
          <xsl:with-param name="key" select="'P12/grossTonnage'"/>
          <xsl:with-param name="fallback" select="p:GrossTonnage"/>
        </xsl:call-template>
      </GrossTonnage>
      <NetTonnage>
        <xsl:call-template name="issued-or">
          <xsl:with-param name="key" select="'P12/netTonnage'"/>
          <xsl:with-param name="fallback" select="p:NetTonnage"/>
        </xsl:call-template>
      </NetTonnage>
      <Deadweight><xsl:value-of select="p:DeadweightTonnes"/></Deadweight>
      <LengthOverall><xsl:value-of select="p:LengthOverallMetres"/></LengthOverall>
      <Beam><xsl:value-of select="p:BeamMetres"/></Beam>
      <ShipType><xsl:value-of select="p:ShipType"/></ShipType>
      <YearOfBuild><xsl:value-of select="p:YearOfBuild"/></YearOfBuild>
      <Shipyard><xsl:value-of select="p:Shipyard"/></Shipyard>
    </Ship>
  </xsl:template>

  <!-- The registered company (owner and operator); its ISM company for the DOC/SMC. -->
  <xsl:template name="company">
    <Company>
      <Name><xsl:value-of select="$company/p:ProposedName"/></Name>
      <USCC><xsl:value-of select="key('output', 'P01/uscc')"/></USCC>
      <xsl:variable name="imoCompanyNumber">
        <xsl:call-template name="issued-or">
          <xsl:with-param name="key" select="'P08/imoCompanyNumber'"/>
          <xsl:with-param name="fallback" select="$company/p:IsmManager/p:ImoCompanyNumber"/>
        </xsl:call-template>
      </xsl:variable>
      <xsl:if test="$imoCompanyNumber != ''">
        <IMOCompanyNumber><xsl:value-of select="$imoCompanyNumber"/></IMOCompanyNumber>
      </xsl:if>
      <xsl:if test="$permit = 'P08'">
        <xsl:for-each select="$company/p:IsmManager/p:CompanyName">
          <IsmCompanyName><xsl:value-of select="."/></IsmCompanyName>
        </xsl:for-each>
      </xsl:if>
    </Company>
  </xsl:template>

  <!-- The certificates each request relies on, taken from <Issued>. -->
  <xsl:template name="related-certificates">
    <xsl:if test="$permit = 'P05' or $permit = 'P08'">
      <xsl:call-template name="related">
        <xsl:with-param name="type" select="'BUSINESS_LICENCE'"/>
        <xsl:with-param name="from" select="'P01'"/>
        <xsl:with-param name="numbers" select="key('output', 'P01/licenceNumber')"/>
      </xsl:call-template>
    </xsl:if>
    <xsl:if test="$permit = 'P06' or $permit = 'P10'">
      <xsl:call-template name="related">
        <xsl:with-param name="type" select="'OWNERSHIP'"/>
        <xsl:with-param name="from" select="'P05'"/>
        <xsl:with-param name="numbers" select="key('output', 'P05/ownershipCertificateNumber')"/>
      </xsl:call-template>
    </xsl:if>
    <xsl:if test="$permit = 'P06'">
      <xsl:call-template name="related">
        <xsl:with-param name="type" select="'STATUTORY_SURVEY'"/>
        <xsl:with-param name="from" select="'P12'"/>
        <xsl:with-param name="numbers" select="key('output', 'P12/surveyCertificateNumbers')"/>
      </xsl:call-template>
    </xsl:if>
    <xsl:if test="$permit = 'P07' or $permit = 'P08' or $permit = 'P09'">
      <xsl:call-template name="related">
        <xsl:with-param name="type" select="'NATIONALITY'"/>
        <xsl:with-param name="from" select="'P06'"/>
        <xsl:with-param name="numbers" select="key('output', 'P06/nationalityCertificateNumber')"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- One RelatedCertificate per number; dated with the issuing certificate. -->
  <xsl:template name="related">
    <xsl:param name="type"/>
    <xsl:param name="from"/>
    <xsl:param name="numbers"/>
    <xsl:for-each select="$numbers">
      <RelatedCertificate>
        <CertificateType><xsl:value-of select="$type"/></CertificateType>
        <CertificateNumber><xsl:value-of select="."/></CertificateNumber>
        <IssuedOn><xsl:value-of select="key('certificate', $from)/@issuedOn"/></IssuedOn>
      </RelatedCertificate>
    </xsl:for-each>
  </xsl:template>

  <xsl:template match="p:Insurance">
    <Insurance>
      <Insurer><xsl:value-of select="p:Insurer"/></Insurer>
      <PolicyNumber><xsl:value-of select="p:PolicyNumber"/></PolicyNumber>
      <CoverType><xsl:value-of select="p:CoverType"/></CoverType>
      <LimitAmount currency="{p:LimitAmount/@currency}"><xsl:value-of select="p:LimitAmount"/></LimitAmount>
      <ValidUntil><xsl:value-of select="p:ValidUntil"/></ValidUntil>
    </Insurance>
  </xsl:template>

  <xsl:template match="p:RadioEquipment">
    <RadioEquipment>
      <xsl:for-each select="p:Item">
        <Item>
          <EquipmentType><xsl:value-of select="p:EquipmentType"/></EquipmentType>
          <Model><xsl:value-of select="p:Model"/></Model>
          <Quantity><xsl:value-of select="p:Quantity"/></Quantity>
        </Item>
      </xsl:for-each>
    </RadioEquipment>
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

  <!-- The issued output named by key ('P12/grossTonnage') when there is one, else the fallback. -->
  <xsl:template name="issued-or">
    <xsl:param name="key"/>
    <xsl:param name="fallback"/>
    <xsl:choose>
      <xsl:when test="key('output', $key)"><xsl:value-of select="key('output', $key)"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="$fallback"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

</xsl:stylesheet>
