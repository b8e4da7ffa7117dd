using System.Diagnostics.Metrics;
using GardenCity.Monitoring.Alerting.Duty;
using GardenCity.Monitoring.Alerting.Duty.Channels;
using GardenCity.Monitoring.Alerting.Duty.Exceptions;
using GardenCity.Monitoring.Alerting.Notify;
using GardenCity.Monitoring.Core.Alerts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Polly;
using Polly.CircuitBreaker;
using static GardenCity.Monitoring.Alerting.Tests.Duty.DutyTestData;

namespace GardenCity.Monitoring.Alerting.Tests.Duty;

/// <summary>The channel pipeline and one delivery's rounds, on a fake clock.</summary>
public sealed class DutyResilienceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gc-duty-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A channel whose answers are scripted: each call takes the next outcome (null: accepted).</summary>
    private sealed class ScriptedChannel(DutyChannelOptions options, params Exception?[] outcomes) : IDutyChannel
    {
        private int _calls;

        public List<DateTimeOffset> CallTimes { get; } = [];

        public TimeProvider? Clock { get; init; }

        public DutyChannelOptions Options => options;

        public bool ToGroup => true;

        public int Calls => Volatile.Read(ref _calls);

        public Task SendAsync(DutyDelivery delivery, CancellationToken cancellationToken)
        {
            int call = Interlocked.Increment(ref _calls) - 1;
            CallTimes.Add(Clock!.GetUtcNow());
            Exception? outcome = call < outcomes.Length ? outcomes[call] : null;
            return outcome is null ? Task.CompletedTask : Task.FromException(outcome);
        }
    }

    private static DutyChannelOptions Channel(int retries = 3) => new()
    {
        Name = "robot",
        Retries = retries,
        RetryDelay = TimeSpan.FromSeconds(1),
        MaxRetryAfter = TimeSpan.FromMinutes(2),
        RoundInterval = TimeSpan.FromSeconds(30),
        GiveUpAfter = TimeSpan.FromMinutes(10),
        BreakerMinimumThroughput = 4,
        BreakerFailureRatio = 0.5,
        BreakerSamplingDuration = TimeSpan.FromMinutes(1),
        BreakerDuration = TimeSpan.FromSeconds(45),
    };

    private ResiliencePipeline Pipeline(DutyChannelOptions o) => DutyResilience.Configure(new ResiliencePipelineBuilder { TimeProvider = _time }, o).Build();

    /// <summary>Advances the fake clock in small steps until the task ends (Polly's delays and the rounds' waits run on it).</summary>
    private async Task<T> RunAsync<T>(Task<T> task, TimeSpan step, TimeSpan limit)
    {
        for (TimeSpan passed = TimeSpan.Zero; !task.IsCompleted && passed < limit; passed += step)
        {
            await Task.Delay(5, TestContext.Current.CancellationToken);
            _time.Advance(step);
        }

        return await task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }

    private (DutyDispatcher Dispatcher, Outbox Outbox, DutyDeliveryLog Log, FakeLogger Logger) Dispatcher(IDutyChannel channel, List<DutyDeliveryRecord>? finals = null)
    {
        var outbox = new Outbox(_dir);
        var log = new DutyDeliveryLog(_dir);
        var logger = new FakeLogger();
        var metrics = new AlertingMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>());
        var router = new DutyRouter(new DutyOptions(), [channel]);
        return (new DutyDispatcher([channel], _ => ResiliencePipeline.Empty, router, outbox, log, _time, logger, metrics, r => finals?.Add(r)), outbox, log, logger);
    }

    private static DutyDelivery Delivery() => new("robot", DutyDelivery.Group, Red(), null, []);

    [Fact]
    public async Task Retry_HonoursRetryAfter_NotBefore()
    {
        var channel = new ScriptedChannel(Channel(), new DutyDeliveryException("HTTP 429", transient: true, TimeSpan.FromSeconds(40))) { Clock = _time };
        DateTimeOffset start = _time.GetUtcNow();

        await RunAsync(Pipeline(Channel()).ExecuteAsync(async ct => { await channel.SendAsync(Delivery(), ct); return true; }, TestContext.Current.CancellationToken).AsTask(), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));

        Assert.Equal(2, channel.Calls);
        Assert.Equal(TimeSpan.FromSeconds(40), channel.CallTimes[1] - start);
    }

    [Fact]
    public async Task Retry_RetryAfterLongerThanMax_EndsTheRoundAtOnce()
    {
        var channel = new ScriptedChannel(Channel(), new DutyDeliveryException("HTTP 503", transient: true, TimeSpan.FromHours(1))) { Clock = _time };

        var error = await Assert.ThrowsAsync<DutyDeliveryException>(() => Pipeline(Channel()).ExecuteAsync(ct => new ValueTask(channel.SendAsync(Delivery(), ct)), TestContext.Current.CancellationToken).AsTask());

        Assert.Equal(TimeSpan.FromHours(1), error.RetryAfter);
        Assert.Equal(1, channel.Calls);
    }

    [Fact]
    public async Task Retry_RefusalIsNotRetried()
    {
        var channel = new ScriptedChannel(Channel(), new DutyDeliveryException("DingTalk errcode 310000: sign not match", transient: false)) { Clock = _time };

        await Assert.ThrowsAsync<DutyDeliveryException>(() => Pipeline(Channel()).ExecuteAsync(ct => new ValueTask(channel.SendAsync(Delivery(), ct)), TestContext.Current.CancellationToken).AsTask());

        Assert.Equal(1, channel.Calls);
    }

    [Fact]
    public async Task Breaker_OpensAfterRepeatedFailures_AndLetsATrialThroughAfterItsDuration()
    {
        DutyChannelOptions o = Channel(retries: 0);
        var failures = Enumerable.Repeat<Exception?>(new DutyDeliveryException("HTTP 502", transient: true), 4).ToArray();
        var channel = new ScriptedChannel(o, failures) { Clock = _time };
        ResiliencePipeline pipeline = Pipeline(o);
        for (int i = 0; i < 4; i++)
        {
            await Assert.ThrowsAsync<DutyDeliveryException>(() => pipeline.ExecuteAsync(ct => new ValueTask(channel.SendAsync(Delivery(), ct)), TestContext.Current.CancellationToken).AsTask());
        }

        var open = await Assert.ThrowsAsync<BrokenCircuitException>(() => pipeline.ExecuteAsync(ct => new ValueTask(channel.SendAsync(Delivery(), ct)), TestContext.Current.CancellationToken).AsTask());
        Assert.Equal(4, channel.Calls); // the open circuit did not call the receiver
        Assert.Equal(TimeSpan.FromSeconds(45), open.RetryAfter);

        _time.Advance(TimeSpan.FromSeconds(45));
        await pipeline.ExecuteAsync(ct => new ValueTask(channel.SendAsync(Delivery(), ct)), TestContext.Current.CancellationToken);
        Assert.Equal(5, channel.Calls);
    }

    [Fact]
    public async Task Deliver_TransientThenAccepted_IsSentOnceAndDoneInTheOutbox()
    {
        var channel = new ScriptedChannel(Channel(), new DutyDeliveryException("HTTP 503", transient: true, TimeSpan.FromSeconds(5)), null) { Clock = _time };
        var finals = new List<DutyDeliveryRecord>();
        var (dispatcher, outbox, log, _) = Dispatcher(channel, finals);
        await using (dispatcher)
        {
            outbox.Add([(DutyDispatcher.OutboxKey(Delivery()), Red())]);

            DutyDeliveryStatus status = await RunAsync(dispatcher.DeliverAsync(channel, ResiliencePipeline.Empty, Delivery(), TestContext.Current.CancellationToken), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));

            Assert.Equal(DutyDeliveryStatus.Sent, status);
            Assert.Equal(2, channel.Calls);
            Assert.Equal(TimeSpan.FromSeconds(30), channel.CallTimes[1] - channel.CallTimes[0]); // the round interval (longer than Retry-After)
            Assert.Empty(outbox.Pending);
            DutyDeliveryRecord record = Assert.Single(log.ForAlert(Red().AlertId));
            Assert.Equal((DutyDeliveryStatus.Sent, 2), (record.Status, record.Attempts));
            Assert.Equal(DutyDeliveryStatus.Sent, Assert.Single(finals).Status);
        }
    }

    [Fact]
    public async Task Deliver_Refused_IsFailedWithReason_NotRetried()
    {
        var channel = new ScriptedChannel(Channel(), new DutyDeliveryException("WeCom errcode 93000: invalid webhook url", transient: false)) { Clock = _time };
        var (dispatcher, outbox, log, logger) = Dispatcher(channel);
        await using (dispatcher)
        {
            outbox.Add([(DutyDispatcher.OutboxKey(Delivery()), Red())]);

            DutyDeliveryStatus status = await dispatcher.DeliverAsync(channel, ResiliencePipeline.Empty, Delivery(), TestContext.Current.CancellationToken);

            Assert.Equal(DutyDeliveryStatus.Failed, status);
            Assert.Equal(1, channel.Calls);
            Assert.Empty(outbox.Pending);
            Assert.Equal("WeCom errcode 93000: invalid webhook url", Assert.Single(log.ForAlert(Red().AlertId)).Reason);
            Assert.Contains(logger.Collector.GetSnapshot(), r => r.Level == Microsoft.Extensions.Logging.LogLevel.Error && r.Message.Contains("93000", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Deliver_StillFailingAfterGiveUpAfter_GivesUp()
    {
        var failures = Enumerable.Repeat<Exception?>(new DutyDeliveryException("HTTP 503", transient: true), 1000).ToArray();
        var channel = new ScriptedChannel(Channel(), failures) { Clock = _time };
        var (dispatcher, outbox, log, _) = Dispatcher(channel);
        await using (dispatcher)
        {
            outbox.Add([(DutyDispatcher.OutboxKey(Delivery()), Red())]);

            DutyDeliveryStatus status = await RunAsync(dispatcher.DeliverAsync(channel, ResiliencePipeline.Empty, Delivery(), TestContext.Current.CancellationToken), TimeSpan.FromSeconds(5), TimeSpan.FromHours(1));

            Assert.Equal(DutyDeliveryStatus.GaveUp, status);
            Assert.Equal(21, channel.Calls); // rounds at 0, 30 s, …, 10 min: the 21st is at the give-up horizon
            Assert.Empty(outbox.Pending);
            DutyDeliveryRecord record = Assert.Single(log.ForAlert(Red().AlertId));
            Assert.Equal((DutyDeliveryStatus.GaveUp, "HTTP 503"), (record.Status, record.Reason));
        }
    }

    [Fact]
    public async Task DeliveryLog_SurvivesARestart()
    {
        var log = new DutyDeliveryLog(_dir);
        log.Record(new DutyDeliveryRecord("a#1", "a", "sms", "zhang-san", DutyDeliveryStatus.Retrying, 1, "HTTP 503", _time.GetUtcNow()));
        log.Record(new DutyDeliveryRecord("a#1", "a", "sms", "zhang-san", DutyDeliveryStatus.Sent, 2, null, _time.GetUtcNow()));
        File.AppendAllText(Path.Combine(_dir, "duty-deliveries.jsonl"), "{\"torn");

        DutyDeliveryRecord record = Assert.Single(new DutyDeliveryLog(_dir).ForAlert("a"));

        Assert.Equal(DutyDeliveryStatus.Sent, record.Status);
        await Task.CompletedTask;
    }
}
