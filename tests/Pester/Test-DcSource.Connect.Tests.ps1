#Requires -Version 7.4
# Test-DcSource -Connect: the preflight, then a real login to a real PostgreSQL (the private server the test run
# starts) with every field the source names and no other identity, reporting the outcome in the server's words
# and never a secret. Also Get-DcSourceConnection -AsConnectionString, whose quoting the logins here rely on.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/VaultHelpers.ps1
    . $PSScriptRoot/PostgresHelpers.ps1
    . $PSScriptRoot/EncryptionHelpers.ps1
    Import-Module $script:DcModulePath -Force

    $script:EnvNames = @('DATACOMPASS_DATA_DIR', 'DATACOMPASS_ENCRYPTION_KEY', 'DCT_CONN_PW', 'DCT_CONN_UNSET', 'PGPASSWORD', 'PGPASSFILE', 'PGUSER', 'HOME')
    $script:SavedEnv = @{}
    foreach ($name in $script:EnvNames) { $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name) }

    function Get-TestErrorId([string] $Id, [string] $Cmdlet = 'Test-DcSource') { Get-DcErrorId $Id $Cmdlet }
    function ConvertTo-PlainText([securestring] $Secure) { [System.Net.NetworkCredential]::new('', $Secure).Password }

    # Every character the Python tool's unquoted libpq string broke on, plus a unique part to search for.
    function New-HostilePassword([string] $Prefix = 'pw') { "$Prefix sp ace;semi=eq'sq`"dq\bs€ü-$([guid]::NewGuid().ToString('N'))" }

    function Get-ClosedPort {
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        try { $listener.Start(); return ([Net.IPEndPoint]$listener.LocalEndpoint).Port } finally { $listener.Stop() }
    }

    function Add-LivePg {
        param([Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [string] $Login, $Password, [hashtable] $Fields = @{}, [switch] $Encrypt)
        $pg = Get-DcTestPostgres
        $connection = @{ host = $pg.Host; port = $pg.Port; database = $Login; username = $Login; ssl_mode = 'disable'; connect_timeout = 5 }
        if ($null -ne $Password) { $connection.password = $Password }
        foreach ($key in $Fields.Keys) { $connection[$key] = $Fields[$key] }
        Add-DcSource -Name $Name -Type postgresql -Connection $connection -Encrypt:$Encrypt -ErrorAction Stop
    }

    $script:Logins = [Collections.Generic.List[string]]::new()
    function New-Login([string] $Password) {
        $name = New-DcTestPgLogin -Password $Password
        $script:Logins.Add($name)
        return $name
    }
}

AfterAll {
    foreach ($login in $script:Logins) { Remove-DcTestPgLogin -Name $login }
    Restore-TestEnvironment
    Remove-TestVault
}

Describe 'Test-DcSource -Connect' {
    BeforeEach {
        Restore-TestEnvironment
        foreach ($name in 'DCT_CONN_PW', 'DCT_CONN_UNSET', 'PGPASSWORD', 'PGPASSFILE', 'PGUSER', 'DATACOMPASS_ENCRYPTION_KEY') { Set-TestVariable $name $null }
        $env:DATACOMPASS_DATA_DIR = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
    }

    Context 'a password that is right' {
        It 'logs in with a password from an environment variable, with spaces, quotes, backslashes, ; = and Unicode in it' -Tag PostgreSQL -Skip:(-not $env:DATACOMPASS_TEST_PG_PORT) {
            $password = New-HostilePassword
            $login = New-Login $password
            $env:DCT_CONN_PW = $password
            Add-LivePg -Name prod -Login $login -Password '${DCT_CONN_PW}'

            $text = Get-StreamText { $script:Result = Test-DcSource -Name prod -Connect }
            $result = $script:Result
            $result | Should -BeOfType 'DataCompass.DcConnectionTest'
            $result.Status | Should -BeExactly 'Connected'
            $result.Connected | Should -BeTrue
            $result.Latency | Should -BeOfType [timespan]
            $result.Latency | Should -BeGreaterThan ([timespan]::Zero)
            $result.ServerVersion | Should -Match '^\d+'
            $result.UserName | Should -BeExactly $login
            $result.Endpoint | Should -BeExactly "$($env:DATACOMPASS_TEST_PG_HOST):$($env:DATACOMPASS_TEST_PG_PORT)/$login"
            $result.ReResolved | Should -BeFalse
            $text.Contains(($password -split '-')[-1]) | Should -BeFalse -Because 'the result and every stream hold no secret'
        }

        It 'logs in with a password a vault holds (a literal sent to the default vault at add time)' -Tag PostgreSQL -Skip:(-not $env:DATACOMPASS_TEST_PG_PORT) {
            $vault = New-TestVault -Default
            $password = New-HostilePassword 'vault'
            $login = New-Login $password
            Add-LivePg -Name prod -Login $login -Password $password
            (Get-DcSource prod).Fields.Where({ $_.Name -eq 'password' }).Value | Should -BeLike "`${secret:$vault/*}"

            $result = Test-DcSource -Name prod -Connect -ErrorAction Stop
            $result.Status | Should -BeExactly 'Connected'
        }

        It 'logs in with a password from a secret_ref Hashtable' -Tag PostgreSQL -Skip:(-not $env:DATACOMPASS_TEST_PG_PORT) {
            $vault = New-TestVault
            $password = New-HostilePassword 'map'
            $login = New-Login $password
            Set-Secret -Vault $vault -Name 'pg-map' -Secret @{ password = $password }
            Add-LivePg -Name prod -Login $login -Password $null -Fields @{ secret_ref = "vault://$vault/pg-map" }

            (Test-DcSource -Name prod -Connect -ErrorAction Stop).Status | Should -BeExactly 'Connected'
        }

        It 'logs in with a password stored encrypted' -Tag PostgreSQL -Skip:(-not $env:DATACOMPASS_TEST_PG_PORT) {
            $env:DATACOMPASS_ENCRYPTION_KEY = New-FernetKeyText
            $password = New-HostilePassword 'enc'
            $login = New-Login $password
            Add-LivePg -Name prod -Login $login -Password $password -Encrypt
            (Get-DcSource prod).Fields.Where({ $_.Name -eq 'password' }).Provenance | Should -Be 'Encrypted'

            (Test-DcSource -Name prod -Connect -ErrorAction Stop).Status | Should -BeExactly 'Connected'
        }

        It 'returns $true with -Quiet when every source connects' -Tag PostgreSQL -Skip:(-not $env:DATACOMPASS_TEST_PG_PORT) {
            $password = New-HostilePassword
            $login = New-Login $password
            $env:DCT_CONN_PW = $password
            Add-LivePg -Name prod -Login $login -Password '${DCT_CONN_PW}'

            Test-DcSource -Connect -Quiet | Should -BeExactly $true
        }

        It 'records a resolve event for the login, naming Test-DcSource and never the value' -Tag PostgreSQL -Skip:(-not $env:DATACOMPASS_TEST_PG_PORT) {
            $password = New-HostilePassword
            $login = New-Login $password
            $env:DCT_CONN_PW = $password
            Add-LivePg -Name prod -Login $login -Password '${DCT_CONN_PW}'

            $null = Test-DcSource -Name prod -Connect -ErrorAction Stop
            $events = @(Get-DcAuditEvent -Action resolve -Source prod)
            $events.Count | Should -BeGreaterOrEqual 1
            $events.Command | Should -Contain 'Test-DcSource'
            ($events | ConvertTo-Json -Depth 6).Contains(($password -split '-')[-1]) | Should -BeFalse
        }
    }

    Context 'no other identity' {
        It 'fails with a wrong password although PGPASSWORD, PGPASSFILE and ~/.pgpass all hold the right one' -Tag PostgreSQL -Skip:(-not $env:DATACOMPASS_TEST_PG_PORT) {
            $right = New-HostilePassword 'right'
            $wrong = New-HostilePassword 'wrong'
            $login = New-Login $right
            $pg = Get-DcTestPostgres
            # libpq's passfile format: host:port:database:user:password, with ':' and '\' escaped.
            $escaped = $right.Replace('\', '\\').Replace(':', '\:')
            $passfile = Join-Path $TestDrive "pgpass-$login"
            Set-Content -LiteralPath $passfile -Value "*:*:*:*:$escaped"
            chmod 600 $passfile
            $env:HOME = Join-Path $TestDrive "home-$login"
            New-Item -ItemType Directory $env:HOME | Out-Null
            Copy-Item -LiteralPath $passfile (Join-Path $env:HOME '.pgpass')
            chmod 600 (Join-Path $env:HOME '.pgpass')
            $env:PGPASSWORD = $right
            $env:PGPASSFILE = $passfile
            $env:PGUSER = $login
            $env:DCT_CONN_PW = $wrong
            Add-LivePg -Name prod -Login $login -Password '${DCT_CONN_PW}'

            $text = Get-StreamText { $script:Result = Test-DcSource -Name prod -Connect }
            $result = $script:Result
            $result.Status | Should -BeExactly 'AuthenticationFailed'
            $result.Connected | Should -BeFalse
            $result.SqlState | Should -BeExactly '28P01'
            $result.Message | Should -Match 'password authentication failed'
            $result.Message | Should -Match ([regex]::Escape($login))
            foreach ($secret in $right, $wrong) { $text.Contains(($secret -split '-')[-1]) | Should -BeFalse }
            Test-DcSource -Name prod -Connect -Quiet | Should -BeExactly $false

            # The control: the same environment does let psql in, so the refusal above is DataCompass's doing.
            $psql = Join-Path $pg.Bin 'psql'
            'SELECT current_user;' | & $psql -X -q -t -A -h $pg.Host -p $pg.Port -U $login -d $login -f - 2>&1 | Should -Be $login
        }

        It 'says the references were resolved again and gave the same credentials' -Tag PostgreSQL -Skip:(-not $env:DATACOMPASS_TEST_PG_PORT) {
            $login = New-Login (New-HostilePassword)
            $env:DCT_CONN_PW = 'not-the-password'
            Add-LivePg -Name prod -Login $login -Password '${DCT_CONN_PW}'

            $result = Test-DcSource -Name prod -Connect
            $result.Status | Should -BeExactly 'AuthenticationFailed'
            $result.ReResolved | Should -BeTrue
            $result.Message | Should -Match 'resolved again and gave the same credentials'
        }
    }

    Context 'rotation' {
        It 'logs in with the new password after Set-DcSourceSecret and the server both changed it' -Tag PostgreSQL -Skip:(-not $env:DATACOMPASS_TEST_PG_PORT) {
            $vault = New-TestVault -Default
            $old = New-HostilePassword 'old'
            $new = New-HostilePassword 'new'
            $login = New-Login $old
            Add-LivePg -Name prod -Login $login -Password $old
            (Test-DcSource -Name prod -Connect).Status | Should -BeExactly 'Connected'

            Set-DcTestPgPassword -Name $login -Password $new
            (Test-DcSource -Name prod -Connect).Status | Should -BeExactly 'AuthenticationFailed'
            Set-DcSourceSecret -Name prod -Field password -Secret (ConvertTo-SecureString $new -AsPlainText -Force) -ErrorAction Stop

            $result = Test-DcSource -Name prod -Connect
            $result.Status | Should -BeExactly 'Connected'
            $result.ReResolved | Should -BeFalse
        }

        It 'resolves again and logs in when the vault secret was rotated just after it was read' -Tag PostgreSQL -Skip:(-not $env:DATACOMPASS_TEST_PG_PORT) {
            $vault = New-TestVault
            $stale = New-HostilePassword 'stale'
            $current = New-HostilePassword 'current'
            $login = New-Login $current
            Set-Secret -Vault $vault -Name 'pg-rotating' -Secret $stale
            Set-TestVaultRotation -Vault $vault -Name 'pg-rotating' -NextValue $current
            Add-LivePg -Name prod -Login $login -Password "`${secret:$vault/pg-rotating}"

            $text = Get-StreamText { $script:Result = Test-DcSource -Name prod -Connect }
            $result = $script:Result
            $result.Status | Should -BeExactly 'Connected' -Because 'the first login used the stale value, the second the rotated one'
            $result.ReResolved | Should -BeTrue
            @(Get-TestVaultCall $vault | Where-Object { $_ -eq 'Get-Secret pg-rotating' }).Count | Should -Be 2
            foreach ($secret in $stale, $current) { $text.Contains(($secret -split '-')[-1]) | Should -BeFalse }
        }
    }

    Context 'a server that cannot be reached or refuses' {
        It 'reports Unreachable for a port nothing listens on' -Tag PostgreSQL -Skip:(-not $env:DATACOMPASS_TEST_PG_PORT) {
            $password = New-HostilePassword
            $env:DCT_CONN_PW = $password
            $port = Get-ClosedPort
            Add-LivePg -Name prod -Login 'nobody' -Password '${DCT_CONN_PW}' -Fields @{ port = $port }

            $result = Test-DcSource -Name prod -Connect
            $result.Status | Should -BeExactly 'Unreachable'
            $result.Endpoint | Should -BeExactly "$($env:DATACOMPASS_TEST_PG_HOST):$port/nobody"
            $result.Message | Should -Match 'ConnectionRefused'
            Test-DcSource -Name prod -Connect -Quiet | Should -BeExactly $false
        }

        It 'reports the server''s error for a database that does not exist, with a secret it echoes masked' -Tag PostgreSQL -Skip:(-not $env:DATACOMPASS_TEST_PG_PORT) {
            $password = New-HostilePassword
            $login = New-Login $password
            $env:DCT_CONN_PW = $password
            # A slip that puts the password into the database field too: the server names the database it was asked for.
            Add-LivePg -Name prod -Login $login -Password '${DCT_CONN_PW}' -Fields @{ database = '${DCT_CONN_PW}' }

            $text = Get-StreamText { $script:Result = Test-DcSource -Name prod -Connect }
            $result = $script:Result
            $result.Status | Should -BeExactly 'ServerError'
            $result.SqlState | Should -BeExactly '3D000'
            $result.Message | Should -Match 'does not exist'
            $result.Message | Should -Match '\*\*\*\*\*\*\*\*'
            $text.Contains(($password -split '-')[-1]) | Should -BeFalse
        }
    }

    Context 'without a server' {
        It 'tries no login when a reference does not resolve, and says which' {
            Add-DcSource -Name prod -Type postgresql -Connection @{ host = '127.0.0.1'; port = 1; database = 'd'; username = 'u'; password = '${DCT_CONN_UNSET}' } -ErrorAction Stop

            $result = Test-DcSource -Name prod -Connect
            $result.Status | Should -BeExactly 'Unresolved'
            $result.Connected | Should -BeFalse
            $result.Endpoint | Should -BeNullOrEmpty -Because 'no connection was tried'
            $result.Message | Should -Match 'DCT_CONN_UNSET'
            Test-DcSource -Name prod -Connect -Quiet | Should -BeExactly $false
        }

        It 'says a live test is not available for Snowflake and Databricks, after checking their references' {
            $env:DCT_CONN_PW = 'x'
            Add-DcSource -Name sf -Type snowflake -Connection @{ account = 'acme'; warehouse = 'WH'; database = 'DB'; username = 'svc'; password = '${DCT_CONN_PW}' } -ErrorAction Stop
            Add-DcSource -Name dbx -Type databricks -Connection @{ host = 'adb-1.azuredatabricks.net'; http_path = '/sql/1.0/warehouses/a'; catalog = 'main'; access_token = '${DCT_CONN_UNSET}' } -ErrorAction Stop

            $results = @(Test-DcSource -Connect)
            $results.Count | Should -Be 2
            $sf = $results | Where-Object Source -eq sf
            $sf.Status | Should -BeExactly 'NotAvailable'
            $sf.Message | Should -Match 'not available for Snowflake'
            ($results | Where-Object Source -eq dbx).Status | Should -BeExactly 'Unresolved'
            Test-DcSource -Name sf -Connect -Quiet | Should -BeExactly $true -Because 'its references resolve and no live test exists to fail'
        }

        It 'reports a name that matches no source, as the preflight does' {
            Add-DcSource -Name prod -Type postgresql -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = '${DCT_CONN_UNSET}' } -ErrorAction Stop
            $null = Test-DcSource -Name nosuch -Connect -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures[0].FullyQualifiedErrorId | Should -BeExactly (Get-TestErrorId 'DcSourceNotFound')
            Test-DcSource -Name nosuch -Connect -Quiet -ErrorAction SilentlyContinue | Should -BeExactly $false
        }
    }
}

Describe 'Get-DcSourceConnection -AsConnectionString' {
    BeforeEach {
        Restore-TestEnvironment
        Set-TestVariable 'DCT_CONN_PW' $null
        $env:DATACOMPASS_DATA_DIR = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
    }

    It 'gives a SecureString by default and, with -AsPlainText, a string that parses back to every field exactly' {
        $password = New-HostilePassword
        $env:DCT_CONN_PW = $password
        Add-DcSource -Name prod -Type postgresql -ErrorAction Stop -Connection @{
            host = 'db.example.com'; port = 6543; database = 'sales db'; username = "o'brien"; password = '${DCT_CONN_PW}'
            ssl_mode = 'verify-full'; connect_timeout = 7; query_timeout = 90
        }

        $secure = Get-DcSourceConnection prod -AsConnectionString -ErrorAction Stop
        $secure | Should -BeOfType [securestring]
        $plain = Get-DcSourceConnection prod -AsConnectionString -AsPlainText -ErrorAction Stop
        $plain | Should -BeOfType [string]
        ConvertTo-PlainText $secure | Should -BeExactly $plain

        $parsed = [System.Data.Common.DbConnectionStringBuilder]::new()
        # set_ConnectionString: PowerShell would take .ConnectionString = as adding a key to the dictionary.
        $parsed.set_ConnectionString([string] $plain)
        $parsed['Password'] | Should -BeExactly $password
        $parsed['Host'] | Should -BeExactly 'db.example.com'
        $parsed['Port'] | Should -Be '6543'
        $parsed['Database'] | Should -BeExactly 'sales db'
        $parsed['Username'] | Should -BeExactly "o'brien"
        $parsed['SSL Mode'] | Should -BeExactly 'VerifyFull'
        $parsed['Timeout'] | Should -Be '7'
        $parsed['Command Timeout'] | Should -Be '90'
    }

    It 'refuses a source that is not postgresql with DcConnectionNotAvailable, naming it' {
        $env:DCT_CONN_PW = 'x'
        Add-DcSource -Name sf -Type snowflake -Connection @{ account = 'acme'; warehouse = 'WH'; database = 'DB'; username = 'svc'; password = '${DCT_CONN_PW}' } -ErrorAction Stop

        $out = Get-DcSourceConnection sf -AsConnectionString -ErrorVariable failures -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeExactly (Get-DcErrorId 'DcConnectionNotAvailable' 'Get-DcSourceConnection')
        "$($failures[0].CategoryInfo.Category)" | Should -Be 'InvalidOperation'
        $failures[0].Exception.Message | Should -Match "'sf'"
    }
}
