using GardenCity.Monitoring.IntegrationTests.Infrastructure;

[assembly: AssemblyFixture(typeof(ServersFixture))]
