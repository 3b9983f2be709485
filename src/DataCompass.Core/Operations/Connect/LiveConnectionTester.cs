using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Threading;
using DataCompass.Core.Adapters;
using DataCompass.Core.Storage;
using Npgsql;

namespace DataCompass.Core.Operations.Connect
{
    /// <summary>
    /// Opens a real connection to a resolved postgresql source with every field it names and nothing else (see
    /// <see cref="PostgresConnectionString.ForLiveTest"/>). An authentication failure may mean the secret was
    /// rotated since it was read: the references are then resolved once more and, when that gives other
    /// credentials, the connection is tried again.
    /// </summary>
    public static class LiveConnectionTester
    {
        public const string Mask = "********";

        /// <summary>
        /// The preflight first (every reference checked, no value read), then, for a postgresql source whose
        /// references all resolve, a real login. Other types get the preflight and say that no live test exists.
        /// </summary>
        /// <param name="resolve">Resolves the source for attempt 1, and for attempt 2 afresh (see <see cref="Test(Func{int, ResolvedConnection}, CancellationToken)"/>).</param>
        public static ConnectionTestResult TestSource(StoredSource source, IReadOnlyList<ReferenceCheck> checks, Func<int, ResolvedConnection> resolve, CancellationToken cancellation)
        {
            var adapter = AdapterCatalog.Find(source.SourceType);
            var unresolvable = checks.Where(check => !check.Resolvable).ToList();
            if (unresolvable.Count > 0)
            {
                return new ConnectionTestResult(source.Name, source.SourceType, ConnectionTestStatus.Unresolved,
                    "Not connected: " + string.Join(" ", unresolvable.Select(check => check.Message)));
            }

            if (!string.Equals(source.SourceType, PostgresConnectionString.SourceType, StringComparison.OrdinalIgnoreCase))
            {
                return new ConnectionTestResult(source.Name, source.SourceType, ConnectionTestStatus.NotAvailable,
                    $"A live connection test is not available for {adapter?.DisplayName ?? source.SourceType} sources (DataCompass connects to postgresql sources only); every reference of '{source.Name}' resolves.");
            }

            var result = Test(resolve, cancellation);
            var plaintext = checks.Where(check => check.Status == ReferenceStatus.Plaintext).Select(check => check.Field).ToList();
            if (plaintext.Count == 0)
            {
                return result;
            }

            return result.Adding($"Stored in the clear: {string.Join(", ", plaintext)} (Convert-DcSourceSecret moves it to a vault).");
        }

        /// <param name="resolve">Resolves the source: called with 1, and with 2 for the fresh resolution after an authentication failure.</param>
        public static ConnectionTestResult Test(Func<int, ResolvedConnection> resolve, CancellationToken cancellation)
        {
            var first = resolve(1);
            if (!first.Succeeded)
            {
                return Unresolved(first, reResolved: false);
            }

            var result = Open(first, cancellation, reResolved: false);
            if (result.Status != ConnectionTestStatus.AuthenticationFailed)
            {
                return result;
            }

            var second = resolve(2);
            if (!second.Succeeded)
            {
                return result.Adding("Resolving the references again failed: " + string.Join(" ", second.Failures.Select(f => f.Message)), reResolved: true);
            }

            if (SameCredentials(first, second))
            {
                return result.Adding("The references were resolved again and gave the same credentials.", reResolved: true);
            }

            return Open(second, cancellation, reResolved: true);
        }

        /// <summary>A source whose references did not all resolve: no connection is tried.</summary>
        public static ConnectionTestResult Unresolved(ResolvedConnection resolved, bool reResolved) =>
            new ConnectionTestResult(resolved.SourceName, resolved.Adapter.Type, ConnectionTestStatus.Unresolved,
                "Not connected: " + string.Join(" ", resolved.Failures.Select(f => f.Message)))
            {
                ReResolved = reResolved,
            };

        private static ConnectionTestResult Open(ResolvedConnection resolved, CancellationToken cancellation, bool reResolved)
        {
            var settings = PostgresConnectionString.ForLiveTest(resolved);
            var secrets = SecretTexts(resolved);
            // Shown as the source names them, unless a secret was typed into one of them.
            var endpoint = MaskSecrets($"{settings.Host}:{settings.Port}/{settings.Database}", secrets);
            var userName = settings.Username == null ? null : MaskSecrets(settings.Username, secrets);
            ConnectionTestResult Outcome(ConnectionTestStatus status, string message, string? sqlState = null) =>
                new ConnectionTestResult(resolved.SourceName, resolved.Adapter.Type, status, MaskSecrets(message, secrets))
                {
                    Endpoint = endpoint, UserName = userName, SqlState = sqlState, ReResolved = reResolved,
                };

            var watch = Stopwatch.StartNew();
            try
            {
                using var connection = new NpgsqlConnection(settings.ConnectionString);
                connection.OpenAsync(cancellation).GetAwaiter().GetResult();
                using (var command = new NpgsqlCommand("SELECT 1", connection))
                {
                    command.ExecuteScalarAsync(cancellation).GetAwaiter().GetResult();
                }

                watch.Stop();
                var version = connection.ServerVersion;
                return new ConnectionTestResult(resolved.SourceName, resolved.Adapter.Type, ConnectionTestStatus.Connected,
                    $"Connected to {endpoint} as '{userName}' (PostgreSQL {version}).")
                {
                    Endpoint = endpoint, UserName = userName, ServerVersion = version, Latency = watch.Elapsed, ReResolved = reResolved,
                };
            }
            catch (PostgresException refused)
            {
                var status = refused.SqlState is "28P01" or "28000" ? ConnectionTestStatus.AuthenticationFailed : ConnectionTestStatus.ServerError;
                return Outcome(status, $"The server at {endpoint} refused: {refused.MessageText} (SQLSTATE {refused.SqlState}).", refused.SqlState);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception failure) when (failure is NpgsqlException or TimeoutException or SocketException or AuthenticationException or InvalidOperationException)
            {
                var (status, reason) = Classify(failure);
                return Outcome(status, $"Could not connect to {endpoint}: {reason}");
            }
        }

        private static (ConnectionTestStatus Status, string Reason) Classify(Exception failure)
        {
            for (var inner = failure; inner != null; inner = inner.InnerException)
            {
                switch (inner)
                {
                    case TimeoutException:
                        return (ConnectionTestStatus.TimedOut, "no answer within connect_timeout.");
                    case SocketException socket:
                        return (ConnectionTestStatus.Unreachable, $"{socket.Message} ({socket.SocketErrorCode}).");
                    case AuthenticationException tls:
                        return (ConnectionTestStatus.TlsFailed, "TLS failed: " + tls.Message);
                }
            }

            return (ConnectionTestStatus.Failed, string.Join(" ", Chain(failure).Select(e => e.Message).Distinct()));
        }

        private static IEnumerable<Exception> Chain(Exception failure)
        {
            for (var inner = failure; inner != null; inner = inner.InnerException)
            {
                yield return inner;
            }
        }

        private static List<string> SecretTexts(ResolvedConnection resolved) =>
            resolved.Values.Where(entry => resolved.IsSecret(entry.Key) && entry.Value is string { Length: > 0 })
                .Select(entry => (string)entry.Value!)
                .OrderByDescending(text => text.Length)
                .ToList();

        /// <summary>A server may echo what it was sent (a database or user name typed into the password field): never a secret value.</summary>
        internal static string MaskSecrets(string message, IReadOnlyList<string> secrets)
        {
            foreach (var secret in secrets)
            {
                message = message.Replace(secret, Mask, StringComparison.Ordinal);
            }

            return message;
        }

        private static bool SameCredentials(ResolvedConnection first, ResolvedConnection second) =>
            first.Values.Count() == second.Values.Count()
            && first.Values.All(entry => second.Values.TryGetValue(entry.Key, out var other) && SameValue(entry.Value, other));

        private static bool SameValue(object? first, object? second) =>
            first is IEnumerable<object?> firstList && second is IEnumerable<object?> secondList && first is not string
                ? firstList.SequenceEqual(secondList)
                : Equals(first, second);
    }
}
