<?xml version="1.0" encoding="UTF-8"?>
<!--
  MOT, P02 / P03 / P04: case document -> SubmitLicenceApplication (the SOAP
  body; the soap11 transport adds the envelope). Used for SUBMIT and
  CORRECTION. Carried from earlier certificates:
    P01 uscc, licenceNumber         -> Operator/Uscc, Operator/BusinessLicenceNumber
    P06 nationalityCertificateNumber, portOfRegistry -> Vessel
    P12 grossTonnage, netTonnage    -> Vessel tonnage (as measured; declared otherwise)
    P07 documentNumber              -> Vessel/SafeManningDocumentNumber (P03)
    P02 permitNumber                -> OperatingPermitNumber (P03)
-->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:c="urn:licensing-hub:case:v1"
                xmlns:p="urn:licensing-hub:package:v1"
                xmlns="urn:licensing-hub:dept:mot:v1"
                exclude-result-prefixes="c p">

  <xsl:output method="xml" encoding="UTF-8" indent="yes"/>
  <xsl:strip-space elements="*"/>

  <!-- key('output', 'P01/uscc'): the values of an output of an issued certificate. -->
  <xsl:key name="output" match="c:Certificate/c:Output" use="concat(../@permit, '/', @name)"/>

  <xsl:variable name="case" select="/c:Case"/>
  <xsl:variable name="permit" select="string($case/c:Call/@permit)"/>
  <xsl:variable name="package" select="$case/p:ApplicationPackage"/>
  <xsl:variable name="vesselIndex">
    <xsl:choose>
      <xsl:when test="$case/c:Call/@vessel"><xsl:value-of select="$case/c:Call/@vessel"/></xsl:when>
      <xsl:otherwise>1</xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="vessel" select="$package/p:Vessels/p:Vessel[position() = number($vesselIndex)]"/>

  <xsl:template match="/">
    <SubmitLicenceApplication>
      <MessageId><xsl:value-of select="$case/c:MessageId"/></MessageId>
      <CallbackUrl><xsl:value-of select="$case/c:Hub/c:CallbackUrl"/></CallbackUrl>
      <LicenceKind><xsl:call-template name="licence-kind"/></LicenceKind>
      <xsl:for-each select="$case/c:ReceiptNumber">
        <ReceiptNumber><xsl:value-of select="."/></ReceiptNumber>
      </xsl:for-each>
      <xsl:apply-templates select="$package/p:Company"/>
      <xsl:apply-templates select="$vessel"/>
      <xsl:if test="$permit = 'P03'">
        <OperatingPermitNumber><xsl:value-of select="key('output', 'P02/permitNumber')"/></OperatingPermitNumber>
      </xsl:if>
      <Attachments>
        <xsl:apply-templates select="$package/p:Attachments/p:Attachment[contains($attachmentKinds, concat(' ', p:Kind, ' '))]"/>
      </Attachments>
      <xsl:for-each select="$case/c:Supplement">
        <Supplement><xsl:copy-of select="node()"/></Supplement>
      </xsl:for-each>
    </SubmitLicenceApplication>
  </xsl:template>

  <!-- Hub permit -> MOT licence kind. -->
  <xsl:template name="licence-kind">
    <xsl:choose>
      <xsl:when test="$permit = 'P02'">DOMESTIC_WATERWAY_TRANSPORT</xsl:when>
      <xsl:when test="$permit = 'P03'">SHIP_OPERATING_CERTIFICATE</xsl:when>
      <xsl:when test="$permit = 'P04'">INTERNATIONAL_SHIPPING_OPERATION</xsl:when>
      <xsl:otherwise>
        <xsl:message terminate="yes">mot: no licence for permit <xsl:value-of select="$permit"/></xsl:message>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- The attachment kinds each licence needs (config/catalogue.json requiredAttachments). -->
  <xsl:variable name="attachmentKinds">
    <xsl:choose>
      <xsl:when test="$permit = 'P02'"> MANAGER_QUALIFICATIONS SAFETY_MANAGEMENT_MANUAL </xsl:when>
      <xsl:when test="$permit = 'P04'"> MANAGER_QUALIFICATIONS INTERNATIONAL_OPERATION_PLAN </xsl:when>
      <xsl:otherwise> </xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <!-- Package company + business licence -> the operator. Managers matter for the
       operating permits (P02, P04), not for a ship's certificate (P03). -->
  <xsl:template match="p:Company">
    <Operator>
      <CompanyName><xsl:value-of select="p:ProposedName"/></CompanyName>
      <Uscc><xsl:value-of select="key('output', 'P01/uscc')"/></Uscc>
      <xsl:for-each select="key('output', 'P01/licenceNumber')">
        <BusinessLicenceNumber><xsl:value-of select="."/></BusinessLicenceNumber>
      </xsl:for-each>
      <DivisionCode><xsl:value-of select="p:RegisteredAddress/p:DivisionCode"/></DivisionCode>
      <Address><xsl:value-of select="p:RegisteredAddress/p:AddressLine"/></Address>
      <xsl:if test="$permit != 'P03'">
        <BusinessScope><xsl:value-of select="p:BusinessScope"/></BusinessScope>
      </xsl:if>
      <LegalRepresentative>
        <Name><xsl:value-of select="p:LegalRepresentative/p:Name"/></Name>
        <IdNumber><xsl:value-of select="p:LegalRepresentative/p:ResidentId"/></IdNumber>
      </LegalRepresentative>
      <xsl:if test="$permit != 'P03'">
        <xsl:apply-templates select="p:MaritimeManager | p:TechnicalManager"/>
      </xsl:if>
    </Operator>
  </xsl:template>

  <xsl:template match="p:MaritimeManager | p:TechnicalManager">
    <xsl:element name="{local-name()}">
      <Name><xsl:value-of select="p:Name"/></Name>
      <IdNumber><xsl:value-of select="p:ResidentId"/></IdNumber>
      <CompetencyCertificateNumber><xsl:value-of select="p:Qualification"/></CompetencyCertificateNumber>
    </xsl:element>
  </xsl:template>

  <!-- Package vessel + nationality certificate (+ manning document for P03) -> the vessel. -->
  <xsl:template match="p:Vessel">
    <Vessel>
      <NameZh><xsl:value-of select="p:NameZh"/></NameZh>
      <NameEn><xsl:value-of select="p:NameEn"/></NameEn>
      <xsl:for-each select="p:ImoNumber">
        <ImoNumber><xsl:value-of select="."/></ImoNumber>
      </xsl:for-each>
      <xsl:for-each select="p:ShipIdNumber">
        <ShipIdNumber><xsl:value-of select="."/></ShipIdNumber>
      </xsl:for-each>
      <ShipType><xsl:value-of select="p:ShipType"/></ShipType>
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
      <NationalityCertificateNumber>
        <xsl:value-of select="key('output', 'P06/nationalityCertificateNumber')"/>
      </NationalityCertificateNumber>
      <PortOfRegistry>
        <xsl:call-template name="issued-or">
          <xsl:with-param name="key" select="'P06/portOfRegistry'"/>
          <xsl:with-param name="fallback" select="p:PortOfRegistry"/>
        </xsl:call-template>
      </PortOfRegistry>
      <xsl:if test="$permit = 'P03'">
        <SafeManningDocumentNumber><xsl:value-of select="key('output', 'P07/documentNumber')"/></SafeManningDocumentNumber>
      </xsl:if>
    </Vessel>
  </xsl:template>

  <xsl:template match="p:Attachment">
    <Attachment>
      <Kind><xsl:value-of select="p:Kind"/></Kind>
      <FileName><xsl:value-of select="p:FileName"/></FileName>
      <MediaType><xsl:value-of select="p:MediaType"/></MediaType>
      <Sha256><xsl:value-of select="p:Sha256"/></Sha256>
      <Content><xsl:value-of select="p:Content"/></Content>
    </Attachment>
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
