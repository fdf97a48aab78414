<?xml version="1.0" encoding="UTF-8"?>
<!--
  SAMR, P01 business licence: case document -> RegistrationApplication
  (enterprise establishment registration). Used for SUBMIT and CORRECTION;
  a correction re-sends the application with the receipt number and the
  applicant's supplement.
-->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:c="urn:licensing-hub:case:v1"
                xmlns:p="urn:licensing-hub:package:v1"
                xmlns="urn:licensing-hub:dept:samr:v1"
                exclude-result-prefixes="c p">

  <xsl:output method="xml" encoding="UTF-8" indent="yes"/>
  <xsl:strip-space elements="*"/>

  <xsl:variable name="case" select="/c:Case"/>
  <xsl:variable name="company" select="$case/p:ApplicationPackage/p:Company"/>

  <xsl:template match="/">
    <xsl:if test="$case/c:Call/@permit != 'P01'">
      <xsl:message terminate="yes">samr: no registration for permit <xsl:value-of select="$case/c:Call/@permit"/></xsl:message>
    </xsl:if>
    <RegistrationApplication>
      <MessageId><xsl:value-of select="$case/c:MessageId"/></MessageId>
      <CallbackUrl><xsl:value-of select="$case/c:Hub/c:CallbackUrl"/></CallbackUrl>
      <xsl:for-each select="$case/p:ApplicationPackage/p:ApplicantReference">
        <ApplicantReference><xsl:value-of select="."/></ApplicantReference>
      </xsl:for-each>
      <xsl:for-each select="$case/c:ReceiptNumber">
        <ReceiptNumber><xsl:value-of select="."/></ReceiptNumber>
      </xsl:for-each>
      <xsl:apply-templates select="$company"/>
      <Materials>
        <xsl:apply-templates select="$case/p:ApplicationPackage/p:Attachments/p:Attachment
            [p:Kind = 'ARTICLES_OF_ASSOCIATION' or p:Kind = 'LEGAL_REP_ID_COPY' or p:Kind = 'PREMISES_PROOF']"/>
      </Materials>
      <xsl:for-each select="$case/c:Supplement">
        <Supplement><xsl:copy-of select="node()"/></Supplement>
      </xsl:for-each>
    </RegistrationApplication>
  </xsl:template>

  <!-- Package company -> the enterprise to register. -->
  <xsl:template match="p:Company">
    <Enterprise>
      <Name><xsl:value-of select="p:ProposedName"/></Name>
      <Form><xsl:call-template name="enterprise-form"/></Form>
      <xsl:call-template name="capital">
        <xsl:with-param name="element" select="'RegisteredCapital'"/>
        <xsl:with-param name="yuan" select="p:RegisteredCapital"/>
      </xsl:call-template>
      <Address>
        <DivisionCode><xsl:value-of select="p:RegisteredAddress/p:DivisionCode"/></DivisionCode>
        <Line><xsl:value-of select="p:RegisteredAddress/p:AddressLine"/></Line>
      </Address>
      <BusinessScope><xsl:value-of select="p:BusinessScope"/></BusinessScope>
      <LegalRepresentative>
        <Name><xsl:value-of select="p:LegalRepresentative/p:Name"/></Name>
        <IdType>RESIDENT_ID</IdType>
        <IdNumber><xsl:value-of select="p:LegalRepresentative/p:ResidentId"/></IdNumber>
        <xsl:for-each select="p:LegalRepresentative/p:Phone">
          <Phone><xsl:value-of select="."/></Phone>
        </xsl:for-each>
      </LegalRepresentative>
      <Shareholders>
        <xsl:apply-templates select="p:Shareholders/p:Shareholder"/>
      </Shareholders>
    </Enterprise>
  </xsl:template>

  <xsl:template match="p:Shareholder">
    <Shareholder>
      <Name><xsl:value-of select="p:Name"/></Name>
      <IdType>
        <xsl:choose>
          <xsl:when test="p:Kind = 'LEGAL_PERSON'">USCC</xsl:when>
          <xsl:otherwise>RESIDENT_ID</xsl:otherwise>
        </xsl:choose>
      </IdType>
      <IdNumber><xsl:value-of select="p:Identifier"/></IdNumber>
      <xsl:call-template name="capital">
        <xsl:with-param name="element" select="'SubscribedCapital'"/>
        <xsl:with-param name="yuan" select="p:Contribution"/>
      </xsl:call-template>
    </Shareholder>
  </xsl:template>

  <!-- Package attachment -> registration material (content included). -->
  <xsl:template match="p:Attachment">
    <Material>
      <Kind><xsl:value-of select="p:Kind"/></Kind>
      <FileName><xsl:value-of select="p:FileName"/></FileName>
      <MediaType><xsl:value-of select="p:MediaType"/></MediaType>
      <Sha256><xsl:value-of select="p:Sha256"/></Sha256>
      <Content><xsl:value-of select="p:Content"/></Content>
    </Material>
  </xsl:template>

  <!-- Package organisational form -> SAMR enterprise form code. -->
  <xsl:template name="enterprise-form">
    <xsl:variable name="form" select="p:OrganisationalForm"/>
    <xsl:choose>
      <xsl:when test="$form = 'LIMITED_LIABILITY_COMPANY'">LLC</xsl:when>
      <xsl:when test="$form = 'SOLE_PROPRIETOR_LIMITED_COMPANY'">SOLE_LLC</xsl:when>
      <xsl:when test="$form = 'JOINT_STOCK_COMPANY'">JSC</xsl:when>
      <xsl:when test="$form = 'STATE_OWNED_ENTERPRISE'">SOE</xsl:when>
      <xsl:when test="$form = 'PARTNERSHIP'">PARTNERSHIP</xsl:when>
      <xsl:when test="$form = 'FOREIGN_INVESTED_ENTERPRISE'">FIE</xsl:when>
      <xsl:when test="$form = 'BRANCH'">BRANCH</xsl:when>
      <xsl:otherwise>
        <xsl:message terminate="yes">samr: unknown organisational form <xsl:value-of select="$form"/></xsl:message>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- An amount in CNY -> the same amount in 10,000 CNY (万元), as SAMR forms state it. -->
  <xsl:template name="capital">
    <xsl:param name="element"/>
    <xsl:param name="yuan"/>
    <xsl:element name="{$element}">
      <xsl:attribute name="unit">10K_CNY</xsl:attribute>
      <xsl:value-of select="format-number($yuan div 10000, '0.######')"/>
    </xsl:element>
  </xsl:template>

</xsl:stylesheet>
