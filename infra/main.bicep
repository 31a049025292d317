// DmarcSecurity on Azure Container Apps: one resource group holding everything in resources.bicep.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names the resource group and seeds resource names.')
param environmentName string

@minLength(1)
@description('Azure region for every resource.')
param location string

@secure()
@minLength(12)
@description('PostgreSQL administrator password (avoid \';\' and \'"\': it goes into an Npgsql connection string).')
param postgresAdminPassword string

@secure()
@minLength(64)
@description('HS256 key that signs access tokens (Auth__SigningKey), at least 64 characters.')
param authSigningKey string

@secure()
@minLength(32)
@description('Key the Web app shows when it tells the Api its users\' addresses (Auth__WebHopKey), at least 32 characters.')
param webHopKey string

@description('On an empty database the Api creates this Admin and prints a one-time password in its log. Empty: none.')
param bootstrapAdminEmail string = ''

@description('Images azd deployed before; empty on the first provision (a placeholder image runs until azd deploy).')
param apiImage string = ''
param webImage string = ''
param siloImage string = ''

@description('PostgreSQL administrator login.')
param postgresAdminLogin string = 'dmarcadmin'

@description('PostgreSQL major version.')
@allowed([ '15', '16' ])
param postgresVersion string = '16'

@description('PostgreSQL compute SKU (Burstable tier).')
param postgresSku string = 'Standard_B1ms'

@description('Silo replicas; each takes a share of the inbox partitions.')
@minValue(1)
param siloReplicas int = 1

var tags = { 'azd-env-name': environmentName }

resource rg 'Microsoft.Resources/resourceGroups@2022-09-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module resources 'resources.bicep' = {
  name: 'resources'
  scope: rg
  params: {
    location: location
    tags: tags
    resourceToken: toLower(uniqueString(subscription().id, environmentName, location))
    postgresAdminLogin: postgresAdminLogin
    postgresAdminPassword: postgresAdminPassword
    postgresVersion: postgresVersion
    postgresSku: postgresSku
    authSigningKey: authSigningKey
    webHopKey: webHopKey
    bootstrapAdminEmail: bootstrapAdminEmail
    apiImage: apiImage
    webImage: webImage
    siloImage: siloImage
    siloReplicas: siloReplicas
  }
}

output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = resources.outputs.registryLoginServer
output AZURE_CONTAINER_REGISTRY_NAME string = resources.outputs.registryName
output AZURE_CONTAINER_APPS_ENVIRONMENT_ID string = resources.outputs.environmentId
output AZURE_CONTAINER_APPS_ENVIRONMENT_NAME string = resources.outputs.environmentName
output AZURE_CONTAINER_APPS_ENVIRONMENT_DEFAULT_DOMAIN string = resources.outputs.environmentDefaultDomain
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = resources.outputs.identityClientId
output POSTGRES_SERVER_FQDN string = resources.outputs.postgresFqdn
output REDIS_HOST_NAME string = resources.outputs.redisHostName
output SERVICE_API_NAME string = resources.outputs.apiName
output SERVICE_API_URI string = resources.outputs.apiUri
output SERVICE_WEB_NAME string = resources.outputs.webName
output SERVICE_WEB_URI string = resources.outputs.webUri
output SERVICE_SILO_NAME string = resources.outputs.siloName
