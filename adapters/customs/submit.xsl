<?xml version="1.0" encoding="UTF-8"?>
<!--
  CUSTOMS, P11: case document -> ConveyanceFiling (the customs transport adds
  Package/Head/Body). Used for SUBMIT and CORRECTION. Carried from earlier
  certificates:
    P01 uscc                         -> Operator/Uscc
    P06 nationalityCertificateNumber, portOfRegistry -> Ship
    P10 mmsi, callSign               -> Ship/Mmsi, Ship/CallSign (left out until assigned:
                                        P10 is no prerequisite of P11 in the default catalogue)
    P12 grossTonnage, netTonnage     -> Ship tonnage (as measured; declared otherwise)
-->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:c="urn:licensing-hub:case:v1"
                xmlns:p="urn:licensing-hub:package:v1"
                xmlns="urn:licensing-hub:dept:customs:v1"
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

  <xsl:template match="/">
    <xsl:if test="$case/c:Call/@permit != 'P11'">
      <xsl:message terminate="yes">customs: no filing for permit <xsl:value-of select="$case/c:Call/@permit"/></xsl:message>
    </xsl:if>
    <ConveyanceFiling>
      <CallbackUrl><xsl:value-of select="$case/c:Hub/c:CallbackUrl"/></CallbackUrl>
      <xsl:for-each select="$case/c:ReceiptNumber">
        <ReceiptNumber><xsl:value-of select="."/></ReceiptNumber>
      </xsl:for-each>
      <xsl:apply-templates select="$package/p:Company"/>
      <xsl:apply-templates select="$package/p:Vessels/p:Vessel[position() = number($vesselIndex)]"/>
      <xsl:apply-templates select="$package/p:Attachments/p:Attachment[p:Kind = 'CONVEYANCE_OPERATOR_FORM']"/>
      <xsl:for-each select="$case/c:Supplement">
        <Supplement><xsl:copy-of select="node()"/></Supplement>
      </xsl:for-each>
    </ConveyanceFiling>
  </xsl:template>

  <!-- The registered company -> the conveyance operator (运输工具负责人). -->
  <xsl:template match="p:Company">
    <Operator>
      <Name><xsl:value-of select="p:ProposedName"/></Name>
      <Uscc><xsl:value-of select="key('output', 'P01/uscc')"/></Uscc>
      <DivisionCode><xsl:value-of select="p:RegisteredAddress/p:DivisionCode"/></DivisionCode>
      <Address><xsl:value-of select="p:RegisteredAddress/p:AddressLine"/></Address>
      <LegalRepresentative><xsl:value-of select="p:LegalRepresentative/p:Name"/></LegalRepresentative>
      <xsl:for-each select="p:LegalRepresentative/p:Phone">
        <Phone><xsl:value-of select="."/></Phone>
      </xsl:for-each>
    </Operator>
  </xsl:template>

  <!-- Package vessel + its registered identities -> the ship to file. -->
  <xsl:template match="p:Vessel">
    <Ship>
      <NameEn><xsl:value-of select="p:NameEn"/></NameEn>
      <NameZh><xsl:value-of select="p:NameZh"/></NameZh>
      <xsl:for-each select="p:ImoNumber">
        <ImoNumber><xsl:value-of select="."/></ImoNumber>
      </xsl:for-each>
      <xsl:for-each select="key('output', 'P10/mmsi')">
        <Mmsi><xsl:value-of select="."/></Mmsi>
      </xsl:for-each>
      <xsl:for-each select="key('output', 'P10/callSign')">
        <CallSign><xsl:value-of select="."/></CallSign>
      </xsl:for-each>
      <NationalityCertificateNumber>
        <xsl:value-of select="key('output', 'P06/nationalityCertificateNumber')"/>
      </NationalityCertificateNumber>
      <PortOfRegistry>
        <xsl:call-template name="issued-or">
          <xsl:with-param name="key" select="'P06/portOfRegistry'"/>
          <xsl:with-param name="fallback" select="p:PortOfRegistry"/>
        </xsl:call-template>
      </PortOfRegistry>
      <FlagCode>CN</FlagCode>
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
    </Ship>
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
