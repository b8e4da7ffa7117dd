using GardenCity.Monitoring.Host.Settings;

namespace GardenCity.Monitoring.Host.Tests.Settings;

public sealed class SettingsSchemaTests
{
    [Fact]
    public void IsKnown_KeyInsideAGetOnlyObjectOfAListItem_IsASetting()
    {
        // GardenCity:Duty:Channels:N:Sms:Url: the binder fills the get-only Sms object of each channel.
        SettingsSchema schema = SettingsSchema.Of(("GardenCity:Test", typeof(TestOptions)));

        Assert.True(schema.IsKnown("GardenCity:Test:Channels:1:Sms:Url"));
        Assert.True(schema.IsKnown("GardenCity:Test:Gateway:Url"));
        Assert.False(schema.IsKnown("GardenCity:Test:Gateway:Uri"));
        Assert.False(schema.IsKnown("GardenCity:Test:Name")); // a get-only leaf cannot be set
        Assert.Equal("GardenCity:Test:Gateway:Url", schema.Suggest("GardenCity:Test:Gateway:Uri"));
    }

    private sealed class TestOptions
    {
        public List<ChannelOptions> Channels { get; } = [];

        public SmsOptions Gateway { get; } = new();

        public string Name { get; } = "fixed";
    }

    private sealed class ChannelOptions
    {
        public SmsOptions Sms { get; } = new();
    }

    private sealed class SmsOptions
    {
        public Uri? Url { get; set; }
    }
}
