namespace GardenCity.Monitoring.Messaging.Broker;

/// <summary>The EMQX bootstrap file and what emqx.conf must say about it.</summary>
/// <param name="Json">The bootstrap file (a JSON array of user_id, password_hash, salt, is_superuser).</param>
/// <param name="Iterations">The PBKDF2 iteration count all hashes share: <c>password_hash_algorithm.iterations</c>.</param>
/// <param name="Count">Users written.</param>
public sealed record EmqxUsers(string Json, int Iterations, int Count);
