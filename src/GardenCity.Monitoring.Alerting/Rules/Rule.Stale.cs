using System.Globalization;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Alerting.Rules;

/// <summary>
/// "No data is not normal" (docs/alerting.md): an alert in force whose station goes silent stays in force and is marked
/// stale; a rule may also escalate the silence as "lost contact during an active warning".
/// </summary>
public sealed partial record Rule
{
    /// <summary>The stale horizon of an emergency flood (Geo), rainstorm (Met) or fire (Fire) rule that does not set one.</summary>
    public static readonly TimeSpan DefaultStaleAfter = TimeSpan.FromMinutes(30);

    /// <summary>
    /// <c>stale_after:</c> as written: null when not set (the default of <see cref="DefaultStaleHorizon"/> applies),
    /// <see cref="TimeSpan.Zero"/> for <c>off</c>.
    /// </summary>
    public TimeSpan? StaleAfter { get; init; }

    /// <summary>
    /// <c>lost_contact: true</c>: when the alert goes stale the duty room is told "lost contact during an active warning"
    /// (<see cref="Transition.LostContact"/>, which clears the acknowledgement) instead of a plain <see cref="Transition.Stale"/> update.
    /// </summary>
    public bool LostContact { get; init; }

    /// <summary>
    /// How long the station of an alert in force may be silent before the alert is marked stale; null: never (the rule
    /// does not opt in, or it is itself about silence).
    /// </summary>
    public TimeSpan? StaleHorizon => UsesAbsence ? null : StaleAfter switch
    {
        { } set when set > TimeSpan.Zero => set,
        { } => null,
        null => DefaultStaleHorizon(Audience, CapCategory),
    };

    /// <summary>
    /// The default stale horizon: <see cref="DefaultStaleAfter"/> for emergency rules of the CAP categories Geo (flood),
    /// Met (rainstorm) and Fire, none for the others (species, station health).
    /// </summary>
    public static TimeSpan? DefaultStaleHorizon(Audience audience, string capCategory) =>
        audience == Audience.Emergency && capCategory is "Geo" or "Met" or "Fire" ? DefaultStaleAfter : null;

    /// <summary>The text of an alert marked stale (or lost contact): the station, how long it has been silent, and that the alert stays.</summary>
    /// <param name="station">The station.</param>
    /// <param name="severity">The alert's severity (unchanged).</param>
    /// <param name="lastHeard">When the station was last heard.</param>
    /// <param name="now">The engine's clock.</param>
    /// <param name="lostContact">Whether it is the lost-contact escalation.</param>
    public (string Zh, string En) DescribeStale(Station station, Severity severity, DateTimeOffset lastHeard, DateTimeOffset now, bool lostContact)
    {
        ArgumentNullException.ThrowIfNull(station);
        string whereZh = $"{station.NameZh}（{station.Site.NameZh}）", where = $"{station.NameEn} ({station.Site.NameEn})";
        string minutes = Math.Max(0, Math.Round((now - lastHeard).TotalMinutes)).ToString("0", CultureInfo.InvariantCulture);
        string last = LocalTime(lastHeard);
        if (lostContact)
        {
            return (
                $"失联：{whereZh}在{NameZh}（{severity.ToChinese()}）期间中断数据，已 {minutes} 分钟未收到数据（最后数据 {last}）。预警继续有效，请核实现场情况。",
                $"Lost contact: {where} stopped sending data during an active {severity.ToName()} {NameEn.ToLowerInvariant()}; nothing received for {minutes} minutes (last data {last} Beijing time). The warning stays in force; check on site.");
        }

        return (
            $"数据中断：{whereZh}已 {minutes} 分钟未收到数据（最后数据 {last}），{NameZh}（{severity.ToChinese()}）继续有效，所示数据已过时。",
            $"Contact lost: {where} has sent nothing for {minutes} minutes (last data {last} Beijing time); the {severity.ToName()} {NameEn.ToLowerInvariant()} stays in force, its figures are out of date.");
    }

    /// <summary>The text of fresh data after a stale alert: contact restored, the alert is judged on data again.</summary>
    public (string Zh, string En) DescribeRestored(Station station, Severity severity, DateTimeOffset staleSince, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(station);
        string whereZh = $"{station.NameZh}（{station.Site.NameZh}）", where = $"{station.NameEn} ({station.Site.NameEn})";
        string minutes = Math.Max(0, Math.Round((at - staleSince).TotalMinutes)).ToString("0", CultureInfo.InvariantCulture);
        return (
            $"恢复联系：{whereZh}重新收到数据（中断约 {minutes} 分钟）；{NameZh}（{severity.ToChinese()}）继续有效，将按新数据判断是否解除。",
            $"Contact restored: {where} is sending data again (after about {minutes} minutes); the {severity.ToName()} {NameEn.ToLowerInvariant()} stays in force until the data shows the danger is over.");
    }

    /// <summary>The text of an alert closed by a person.</summary>
    public (string Zh, string En) DescribeClosed(Station station, Severity severity, string by, string reason)
    {
        ArgumentNullException.ThrowIfNull(station);
        return (
            $"{NameZh}人工关闭：{station.NameZh}（{station.Site.NameZh}）{severity.ToChinese()}警报由 {by} 关闭，原因：{reason}",
            $"Closed by hand: {NameEn}, {station.NameEn} ({station.Site.NameEn}), {severity.ToName()}, closed by {by}. Reason: {reason}");
    }

    private static string LocalTime(DateTimeOffset at) => Core.Time.BeijingTime.ToBeijingTime(at).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}
