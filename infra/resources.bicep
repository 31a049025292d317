// Everything DmarcSecurity runs on, in one resource group. Environment variable names are exactly those the
// services read (README "Configuration", ARCHITECTURE section 5); tests/DmarcSecurity.Deployment.Tests checks them.
param location string
param tags object
param resourceToken string
param postgresAdminLogin string
@secure()
param postgresAdminPassword string
param postgresVersion string
param postgresSku string
@secure()
param authSigningKey string
@secure()
param webHopKey string
param bootstrapAdminEmail string
param apiImage string
param webImage string
param siloImage string
param siloReplicas int

// Until `azd deploy` pushes the real images: an ASP.NET Core sample that also listens on 8080.
var placeholderImage = 'mcr.microsoft.com/dotnet/samples:aspnetapp'
var databaseName = 'dmarcdb'
var acrPullRoleId = '7f951dda-4ed3-4680-a7ca-43fe172d538d'

resource logs 'Microsoft.OperationalInsights/workspaces@2022-10-01' = {
  name: 'log-${resourceToken}'
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource environment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: 'cae-${resourceToken}'
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logs.properties.customerId
        sharedKey: logs.listKeys().primarySharedKey
      }
    }
  }
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-${resourceToken}'
  location: location
  tags: tags
}

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'cr${resourceToken}'
  location: location
  tags: tags
  sku: { name: 'Basic' }
  properties: { adminUserEnabled: false }
}

resource acrPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, identity.id, acrPullRoleId)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', acrPullRoleId)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource postgres 'Microsoft.DBforPostgreSQL/flexibleServers@2022-12-01' = {
  name: 'psql-${resourceToken}'
  location: location
  tags: tags
  sku: {
    name: postgresSku
    tier: 'Burstable'
  }
  properties: {
    version: postgresVersion
    administratorLogin: postgresAdminLogin
    administratorLoginPassword: postgresAdminPassword
    storage: { storageSizeGB: 32 }
    backup: {
      backupRetentionDays: 7
      geoRedundantBackup: 'Disabled'
    }
    highAvailability: { mode: 'Disabled' }
  }
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2022-12-01' = {
  parent: postgres
  name: databaseName
  properties: {
    charset: 'UTF8'
    collation: 'en_US.utf8'
  }
}

// 0.0.0.0 - 0.0.0.0 is Azure's "allow access from Azure services" rule (Container Apps have no fixed egress address).
resource allowAzure 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2022-12-01' = {
  parent: postgres
  name: 'AllowAllAzureServicesAndResourcesWithinAzureIps'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
}

var connectionString = 'Host=${postgres.properties.fullyQualifiedDomainName};Port=5432;Database=${databaseName};Username=${postgresAdminLogin};Password=${postgresAdminPassword};SslMode=Require'

// Redis: the silos' Orleans cluster membership, the Api's statistics cache, the Web app's sessions and Data Protection
// keys (ConnectionStrings__cache, as the AppHost's publish manifest names it).
// TLS only; a StackExchange.Redis configuration string.
resource redis 'Microsoft.Cache/redis@2024-03-01' = {
  name: 'redis-${resourceToken}'
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'Basic'
      family: 'C'
      capacity: 0
    }
    enableNonSslPort: false
    minimumTlsVersion: '1.2'
  }
}

var cacheConnectionString = '${redis.properties.hostName}:${redis.properties.sslPort},password=${redis.listKeys().primaryKey},ssl=True,abortConnect=False'

var registries = [
  {
    server: registry.properties.loginServer
    identity: identity.id
  }
]

// The Container Apps ingress ends TLS and forwards HTTP from a private address of the environment: only there do
// X-Forwarded-For and X-Forwarded-Proto come from, so only those networks are believed. The Host header is not
// forwarded; each app answers only to its own name.
var proxyEnv = [
  { name: 'ForwardedHeaders__KnownNetworks__0', value: '10.0.0.0/8' }
  { name: 'ForwardedHeaders__KnownNetworks__1', value: '100.64.0.0/10' }
  { name: 'ForwardedHeaders__KnownNetworks__2', value: '172.16.0.0/12' }
]

var apiEnv = concat(proxyEnv, [
  { name: 'ASPNETCORE_ENVIRONMENT', value: 'Production' }
  { name: 'OTEL_SERVICE_NAME', value: 'api' }
  { name: 'ConnectionStrings__dmarcdb', secretRef: 'dmarcdb' }
  { name: 'ConnectionStrings__cache', secretRef: 'cache' }
  { name: 'Auth__SigningKey', secretRef: 'auth-signing-key' }
  { name: 'Auth__WebHopKey', secretRef: 'web-hop-key' }
  { name: 'AllowedHosts', value: 'ca-api-${resourceToken}.${environment.properties.defaultDomain}' }
], empty(bootstrapAdminEmail) ? [] : [
  { name: 'Auth__BootstrapAdminEmail', value: bootstrapAdminEmail }
])

// The silos find each other through Redis and talk on the Orleans ports inside the environment.
var siloEnv = [
  { name: 'ASPNETCORE_ENVIRONMENT', value: 'Production' }
  { name: 'OTEL_SERVICE_NAME', value: 'silo' }
  { name: 'ConnectionStrings__dmarcdb', secretRef: 'dmarcdb' }
  { name: 'ConnectionStrings__cache', secretRef: 'cache' }
  { name: 'Orleans__ClusterId', value: 'dmarcsecurity' }
  { name: 'Orleans__ServiceId', value: 'dmarcsecurity' }
  { name: 'Orleans__Clustering__ProviderType', value: 'Redis' }
  { name: 'Orleans__Clustering__ServiceKey', value: 'cache' }
  { name: 'Orleans__Endpoints__SiloPort', value: '11111' }
  { name: 'Orleans__Endpoints__GatewayPort', value: '30000' }
]

var webEnv = concat(proxyEnv, [
  { name: 'ASPNETCORE_ENVIRONMENT', value: 'Production' }
  { name: 'OTEL_SERVICE_NAME', value: 'web' }
  { name: 'services__api__http__0', value: 'https://${api.properties.configuration.ingress.fqdn}' }
  { name: 'ConnectionStrings__cache', secretRef: 'cache' }
  { name: 'Auth__WebHopKey', secretRef: 'web-hop-key' }
  { name: 'AllowedHosts', value: 'ca-web-${resourceToken}.${environment.properties.defaultDomain}' }
])

resource api 'Microsoft.App/containerApps@2024-03-01' = {
  name: 'ca-api-${resourceToken}'
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  dependsOn: [ acrPull, database, allowAzure ]
  properties: {
    managedEnvironmentId: environment.id
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        targetPort: 8080
        transport: 'auto'
      }
      registries: registries
      secrets: [
        { name: 'dmarcdb', value: connectionString }
        { name: 'cache', value: cacheConnectionString }
        { name: 'auth-signing-key', value: authSigningKey }
        { name: 'web-hop-key', value: webHopKey }
      ]
    }
    template: {
      containers: [
        {
          name: 'api'
          image: empty(apiImage) ? placeholderImage : apiImage
          resources: { cpu: json('0.5'), memory: '1Gi' }
          env: apiEnv
        }
      ]
      scale: { minReplicas: 1, maxReplicas: 3 }
    }
  }
}

// The Web app keeps sessions and Data Protection keys in Redis: replicas share them, and a new revision signs no one out.
resource web 'Microsoft.App/containerApps@2024-03-01' = {
  name: 'ca-web-${resourceToken}'
  location: location
  tags: union(tags, { 'azd-service-name': 'web' })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  dependsOn: [ acrPull ]
  properties: {
    managedEnvironmentId: environment.id
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        targetPort: 8080
        transport: 'auto'
      }
      registries: registries
      secrets: [
        { name: 'cache', value: cacheConnectionString }
        { name: 'web-hop-key', value: webHopKey }
      ]
    }
    template: {
      containers: [
        {
          name: 'web'
          image: empty(webImage) ? placeholderImage : webImage
          resources: { cpu: json('0.5'), memory: '1Gi' }
          env: webEnv
        }
      ]
      scale: { minReplicas: 1, maxReplicas: 3 }
    }
  }
}

// No ingress: the silo talks to PostgreSQL, Redis and the other silos only.
resource silo 'Microsoft.App/containerApps@2024-03-01' = {
  name: 'ca-silo-${resourceToken}'
  location: location
  tags: union(tags, { 'azd-service-name': 'silo' })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  dependsOn: [ acrPull, database, allowAzure ]
  properties: {
    managedEnvironmentId: environment.id
    configuration: {
      activeRevisionsMode: 'Single'
      registries: registries
      secrets: [
        { name: 'dmarcdb', value: connectionString }
        { name: 'cache', value: cacheConnectionString }
      ]
    }
    template: {
      containers: [
        {
          name: 'silo'
          image: empty(siloImage) ? placeholderImage : siloImage
          resources: { cpu: json('0.5'), memory: '1Gi' }
          env: siloEnv
        }
      ]
      scale: { minReplicas: siloReplicas, maxReplicas: siloReplicas }
    }
  }
}

output registryLoginServer string = registry.properties.loginServer
output registryName string = registry.name
output environmentId string = environment.id
output environmentName string = environment.name
output environmentDefaultDomain string = environment.properties.defaultDomain
output identityClientId string = identity.properties.clientId
output postgresFqdn string = postgres.properties.fullyQualifiedDomainName
output redisHostName string = redis.properties.hostName
output apiName string = api.name
output apiUri string = 'https://${api.properties.configuration.ingress.fqdn}'
output webName string = web.name
output webUri string = 'https://${web.properties.configuration.ingress.fqdn}'
output siloName string = silo.name
