using System.Globalization;

namespace GardenCity.Monitoring.Alerting.Partitioning;

/// <summary>
/// Reads <c>GardenCity:Alerting:OwnedPartitions</c>: the partitions this worker evaluates, as numbers and ranges
/// (<c>0</c>, <c>0,2</c>, <c>1-3,5</c>) below <c>GardenCity:Alerting:Partitions</c>; <c>none</c> for a standby that keeps
/// its MQTT session and watermark and evaluates nothing; empty means every partition, allowed only with one partition
/// (with more, two workers that both default to every partition would raise every alert twice).
/// </summary>
internal static class OwnedPartitions
{
    /// <summary>The setting's full key, for error messages.</summary>
    public const string Key = AlertingOptions.SectionName + ":" + nameof(AlertingOptions.OwnedPartitions);

    /// <summary>The partitions owned; null with an <paramref name="error"/> naming the setting when <paramref name="text"/> is not valid.</summary>
    public static IReadOnlySet<int>? Parse(string? text, int partitions, out string? error)
    {
        error = null;
        text = text?.Trim() ?? string.Empty;
        if (text.Length == 0)
        {
            if (partitions == 1)
            {
                return new HashSet<int> { 0 };
            }

            error = $"{Key} must be set when {AlertingOptions.SectionName}:{nameof(AlertingOptions.Partitions)} is {partitions.ToString(CultureInfo.InvariantCulture)}: list the partitions this worker evaluates (e.g. '0' or '0-1,3'; numbers 0 to {(partitions - 1).ToString(CultureInfo.InvariantCulture)}), or 'none' for a standby. Give every partition to exactly one worker.";
            return null;
        }

        if (string.Equals(text, "none", StringComparison.OrdinalIgnoreCase))
        {
            return new HashSet<int>();
        }

        var owned = new HashSet<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            string[] bounds = part.Split('-', StringSplitOptions.TrimEntries);
            if (bounds.Length is < 1 or > 2 || !bounds.All(b => int.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            {
                error = $"{Key} '{text}': '{part}' is not a partition number or range; write numbers and ranges separated by commas (e.g. '0', '0,2', '1-3'), or 'none'.";
                return null;
            }

            int from = int.Parse(bounds[0], CultureInfo.InvariantCulture), to = int.Parse(bounds[^1], CultureInfo.InvariantCulture);
            if (from > to || to >= partitions)
            {
                error = from > to
                    ? $"{Key} '{text}': the range '{part}' runs backwards; write it low-high."
                    : $"{Key} '{text}': partition {to.ToString(CultureInfo.InvariantCulture)} does not exist with {AlertingOptions.SectionName}:{nameof(AlertingOptions.Partitions)} = {partitions.ToString(CultureInfo.InvariantCulture)} (partitions are numbered 0 to {(partitions - 1).ToString(CultureInfo.InvariantCulture)}).";
                return null;
            }

            for (int p = from; p <= to; p++)
            {
                owned.Add(p);
            }
        }

        return owned;
    }

    /// <summary>The set written back as the setting would say it (<c>0,2-3</c>; <c>none</c>), for logs.</summary>
    public static string Describe(IReadOnlySet<int> owned)
    {
        ArgumentNullException.ThrowIfNull(owned);
        if (owned.Count == 0)
        {
            return "none";
        }

        var parts = new List<string>();
        int[] sorted = [.. owned.Order()];
        for (int i = 0; i < sorted.Length;)
        {
            int j = i;
            while (j + 1 < sorted.Length && sorted[j + 1] == sorted[j] + 1)
            {
                j++;
            }

            parts.Add(i == j ? sorted[i].ToString(CultureInfo.InvariantCulture) : $"{sorted[i].ToString(CultureInfo.InvariantCulture)}-{sorted[j].ToString(CultureInfo.InvariantCulture)}");
            i = j + 1;
        }

        return string.Join(',', parts);
    }
}
