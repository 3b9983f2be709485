#Requires -Version 7.4
# The catalog contract: what every cmdlet does to a catalog, run unchanged against a catalog file (SQLite) and a
# catalog on the test PostgreSQL server (-Database postgresql://user:${VAR}@host:port/db). A behaviour that holds
# on one backend and not the other fails here.

BeforeDiscovery {
    # build.ps1's SQLCipher lane runs this file alone, in a process with a database key set: every catalog file is
    # then created encrypted, and SQLCipher is the process's SQLite library.
    $script:Backends = if ($env:DATACOMPASS_TEST_CATALOG_BACKEND -eq 'SQLCipher') {
        @(@{ Backend = 'SQLCipher'; Tags = @('Catalog', 'SQLCipher'); Skip = (-not $env:DATACOMPASS_DATABASE_KEY) })
    }
    else {
        @(
            @{ Backend = 'SQLite'; Tags = @('Catalog'); Skip = $false }
            @{ Backend = 'PostgreSQL'; Tags = @('Catalog', 'PostgreSQL'); Skip = (-not $env:DATACOMPASS_TEST_PG_PORT) }
        )
    }
}

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/VaultHelpers.ps1
    . $PSScriptRoot/PostgresHelpers.ps1
    . $PSScriptRoot/EncryptionHelpers.ps1
    Import-Module $script:DcModulePath -Force

    $script:EnvNames = @('DATACOMPASS_DATA_DIR', 'DATACOMPASS_ENCRYPTION_KEY', 'DATACOMPASS_DATABASE_URL', 'DCT_CONTRACT_PW', 'DCT_CONTRACT_HOST')
    $script:SavedEnv = @{}
    foreach ($name in $script:EnvNames) { $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name) }
    $script:Catalogs = [Collections.Generic.List[object]]::new()

    function Add-Pg([string] $Name, [hashtable] $Fields = @{}, [hashtable] $Parameters = @{}) {
        $connection = @{ host = 'db.example.com'; database = 'sales'; username = 'app'; password = '${DCT_CONTRACT_PW}' }
        foreach ($key in $Fields.Keys) { $connection[$key] = $Fields[$key] }
        Add-DcSource -Name $Name -Type postgresql -Connection $connection -Database $script:Db -ErrorAction Stop @Parameters
    }
    function ConvertTo-PlainText([securestring] $Secure) { [System.Net.NetworkCredential]::new('', $Secure).Password }
}

AfterAll {
    foreach ($catalog in $script:Catalogs) { Remove-DcTestCatalog $catalog }
    Restore-TestEnvironment
    Remove-TestVault
}

Describe 'The catalog contract on <Backend>' -ForEach $script:Backends {
    BeforeEach {
        Restore-TestEnvironment
        foreach ($name in 'DATACOMPASS_ENCRYPTION_KEY', 'DATACOMPASS_DATABASE_URL', 'DCT_CONTRACT_PW', 'DCT_CONTRACT_HOST') { Set-TestVariable $name $null }
        # The local data folder: the config and key files of either backend's catalog.
        $env:DATACOMPASS_DATA_DIR = Join-Path $TestDrive ("data-" + [guid]::NewGuid().ToString('N'))
        $catalog = New-DcTestCatalog -Backend $Backend
        $script:Catalogs.Add($catalog)
        $script:Db = $catalog.Database
        $env:DCT_CONTRACT_PW = 'contract-' + [guid]::NewGuid().ToString('N')
    }

    AfterEach {
        if ($Backend -eq 'SQLCipher' -and (Test-Path $script:Db)) {
            # The contract held on an encrypted file, not on a plain one made by mistake.
            $header = [Text.Encoding]::ASCII.GetString([IO.File]::ReadAllBytes($script:Db), 0, 15)
            $header | Should -Not -BeExactly 'SQLite format 3' -Because 'the lane''s catalogs are created encrypted'
        }
    }

    It 'reports a catalog that is not there yet as DcCatalogNotFound, never as an empty one' -Tag $Tags -Skip:$Skip {
        { Get-DcSource -Database $script:Db } | Should -Throw -ErrorId 'DcCatalogNotFound,DataCompass.Commands.GetDcSourceCommand'
        { Get-DcSourceConnection -Name prod -Database $script:Db } | Should -Throw -ErrorId 'DcCatalogNotFound,DataCompass.Commands.GetDcSourceConnectionCommand'
    }

    It 'adds, lists, finds ignoring case, edits in place and removes a source' -Tag $Tags -Skip:$Skip {
        Add-Pg prod -Parameters @{ DisplayName = 'Production' }
        Add-Pg staging -Fields @{ port = 6543 }

        $all = @(Get-DcSource -Database $script:Db)
        $all.Name | Should -Be @('prod', 'staging')
        $prod = Get-DcSource -Name PROD -Database $script:Db
        $prod.Name | Should -BeExactly 'prod'
        $prod.DisplayName | Should -BeExactly 'Production'
        $prod.Database | Should -BeExactly $all[0].Database
        @(Get-DcSource -Name 'st*' -Database $script:Db).Name | Should -Be @('staging')

        Set-DcSource -Name prod -Connection @{ host = 'db2.example.com' } -Active:$false -Database $script:Db -ErrorAction Stop
        $edited = Get-DcSource -Name prod -Database $script:Db
        $edited.Id | Should -Be $prod.Id
        $edited.IsActive | Should -BeFalse
        ($edited.Fields | Where-Object Name -eq host).Value | Should -BeExactly 'db2.example.com'

        { Add-Pg Prod } | Should -Throw -ErrorId 'DcSourceExists,DataCompass.Commands.AddDcSourceCommand'
        Remove-DcSource -Name prod -Confirm:$false -Database $script:Db -ErrorAction Stop
        @(Get-DcSource -Database $script:Db).Name | Should -Be @('staging')
    }

    It 'resolves references at connection time and checks them without reading values' -Tag $Tags -Skip:$Skip {
        Add-Pg prod -Fields @{ host = '${DCT_CONTRACT_HOST}' }
        $env:DCT_CONTRACT_HOST = 'resolved.example.com'

        $connection = Get-DcSourceConnection -Name prod -Database $script:Db -ErrorAction Stop
        $connection.Settings['host'] | Should -BeExactly 'resolved.example.com'
        $connection.Credential.GetNetworkCredential().Password | Should -BeExactly $env:DCT_CONTRACT_PW
        Test-DcSource -Database $script:Db -Quiet | Should -BeTrue
        $env:DCT_CONTRACT_HOST = $null
        Test-DcSource -Database $script:Db -Quiet | Should -BeFalse
    }

    It 'sends a literal secret to the vault and rotates it without touching the row' -Tag $Tags -Skip:$Skip {
        $vault = New-TestVault
        $first = New-Canary 'contract-first'
        $second = New-Canary 'contract-second'
        Add-Pg prod -Fields @{ password = $first } -Parameters @{ Vault = $vault }
        $reference = (Get-DcSource prod -Database $script:Db).Fields.Where({ $_.Name -eq 'password' }).Value
        $reference | Should -BeLike "`${secret:$vault/*}"

        Set-DcSourceSecret -Name prod -Field password -Secret (ConvertTo-SecureString $second -AsPlainText -Force) -Database $script:Db -ErrorAction Stop
        (Get-DcSource prod -Database $script:Db).Fields.Where({ $_.Name -eq 'password' }).Value | Should -BeExactly $reference
        (Get-DcSourceConnection prod -Database $script:Db).Credential.GetNetworkCredential().Password | Should -BeExactly $second
        @(Get-DcSecretInventory -Database $script:Db | Where-Object { $_.Users.Name -contains 'prod' }).Count | Should -Be 1
    }

    It 'converts a plaintext secret into a vault, and moves it to another vault' -Tag $Tags -Skip:$Skip {
        $store = New-TestVault
        $other = New-TestVault
        $plain = New-Canary 'contract-plain'
        Add-Pg legacy -Fields @{ password = $plain } -Parameters @{ AllowPlaintext = $true; WarningAction = 'SilentlyContinue' }

        $converted = @(Convert-DcSourceSecret -Vault $store -Database $script:Db -Confirm:$false -ErrorAction Stop)
        $converted.Status | Should -Contain 'Converted'
        (Get-DcSource legacy -Database $script:Db).HasPlaintextSecret | Should -BeFalse
        (Get-DcSourceConnection legacy -Database $script:Db).Credential.GetNetworkCredential().Password | Should -BeExactly $plain

        $moved = @(Move-DcSourceSecret -Name legacy -From $store -To $other -Database $script:Db -Confirm:$false -ErrorAction Stop)
        $moved.Status | Should -Contain 'Moved'
        (Get-DcSource legacy -Database $script:Db).Fields.Where({ $_.Name -eq 'password' }).Value | Should -BeLike "`${secret:$other/*}"
        (Get-DcSourceConnection legacy -Database $script:Db).Credential.GetNetworkCredential().Password | Should -BeExactly $plain
    }

    It 'encrypts, re-encrypts under a new key and retires the old one' -Tag $Tags -Skip:$Skip {
        $null = New-DcEncryptionKey -Database $script:Db -ErrorAction Stop
        $secret = New-Canary 'contract-enc'
        Add-Pg enc -Fields @{ password = $secret } -Parameters @{ Encrypt = $true }
        $old = (Get-DcEncryptionStatus -Database $script:Db | Where-Object Role -eq Primary).KeyId

        $null = New-DcEncryptionKey -Database $script:Db -ErrorAction Stop
        $null = Update-DcEncryptionKey -Database $script:Db -Confirm:$false -ErrorAction Stop
        (Get-DcEncryptionStatus -Database $script:Db | Where-Object KeyId -eq $old).Values | Should -Be 0
        Remove-DcEncryptionKey -KeyId $old -Database $script:Db -Confirm:$false -ErrorAction Stop
        (Get-DcSourceConnection enc -Database $script:Db).Credential.GetNetworkCredential().Password | Should -BeExactly $secret
    }

    It 'applies a folder of configs idempotently and exports it back' -Tag $Tags -Skip:$Skip {
        $folder = Join-Path $TestDrive ("configs-" + [guid]::NewGuid().ToString('N'))
        $null = New-Item -ItemType Directory $folder
        Set-Content (Join-Path $folder 'prod.yaml') "type: postgresql`nhost: db.example.com`ndatabase: sales`nusername: app`npassword: `${DCT_CONTRACT_PW}`n"
        Set-Content (Join-Path $folder 'wh.yaml') "type: snowflake`naccount: acme`nwarehouse: WH`ndatabase: DB`nusername: svc`npassword: `${DCT_CONTRACT_PW}`nactive: false`n"

        $first = @(Import-DcSource -Path $folder -Database $script:Db -PassThru -ErrorAction Stop)
        @($first | Where-Object Action -eq 'Added').Count | Should -Be 2
        $second = @(Import-DcSource -Path $folder -Database $script:Db -PassThru -ErrorAction Stop)
        @($second | Where-Object Action -ne 'Unchanged') | Should -BeNullOrEmpty
        (Get-DcSource wh -Database $script:Db).IsActive | Should -BeFalse

        $out = Join-Path $TestDrive ("export-" + [guid]::NewGuid().ToString('N'))
        Export-DcSource -Path $out -Database $script:Db -ErrorAction Stop
        @(Get-ChildItem $out -Filter *.yaml).Name | Sort-Object | Should -Be @('prod.yaml', 'wh.yaml')
        @(Import-DcSource -Path $out -Database $script:Db -PassThru -ErrorAction Stop | Where-Object Action -ne 'Unchanged') | Should -BeNullOrEmpty
    }

    It 'keeps its settings in this machine''s data folder and records their change' -Tag $Tags -Skip:$Skip {
        Add-Pg prod
        $vault = New-TestVault
        Set-DcConfig -SecretVault $vault -AuditRetentionDays 30 -Database $script:Db -ErrorAction Stop
        $config = Get-DcConfig -Database $script:Db
        $config.SecretVault | Should -BeExactly $vault
        $config.AuditRetentionDays | Should -Be 30
        # A catalog file keeps its config beside it; a server catalog, in this machine's data folder.
        $folder = if ($Backend -in 'SQLite', 'SQLCipher') { Split-Path -Parent $script:Db } else { $env:DATACOMPASS_DATA_DIR }
        $config.Path | Should -BeExactly (Join-Path $folder 'config.yaml')
        @(Get-DcAuditEvent -Database $script:Db -Action set-config).Count | Should -Be 1

        # Literal secrets now go to that vault without -Vault; removing the source removes the secret it created.
        Add-Pg wh -Fields @{ password = (New-Canary 'contract-default') }
        $reference = (Get-DcSource wh -Database $script:Db).Fields.Where({ $_.Name -eq 'password' }).Value
        $reference | Should -BeLike "`${secret:$vault/*}"
        Remove-DcSource -Name wh -RemoveSecret -Confirm:$false -Database $script:Db -ErrorAction Stop
        @(Get-SecretInfo -Vault $vault) | Should -BeNullOrEmpty
    }

    It 'records every change in the audit trail, never a value' -Tag $Tags -Skip:$Skip {
        Add-Pg prod
        Set-DcSource -Name prod -DisplayName 'Renamed' -Database $script:Db -ErrorAction Stop
        $null = Get-DcSourceConnection prod -Database $script:Db
        Remove-DcSource -Name prod -Confirm:$false -Database $script:Db

        $events = @(Get-DcAuditEvent -Database $script:Db)
        $events.Action | Should -Be @('add', 'set', 'resolve', 'remove')
        $events[0].Source | Should -BeExactly 'prod'
        $events[0].Time | Should -BeOfType [datetime]
        @(Get-DcAuditEvent -Database $script:Db -Source PROD -Action set).Count | Should -Be 1
        @(Get-DcAuditEvent -Database $script:Db -Last 1).Action | Should -Be 'remove'
        ($events | ConvertTo-Json -Depth 6).Contains($env:DCT_CONTRACT_PW) | Should -BeFalse
    }
}

Describe 'The catalog contract itself' {
    It 'runs every cmdlet the module exports (Protect- and Unprotect-DcDatabase have SqlCipher.Tests.ps1)' {
        $text = Get-Content -Raw (Join-Path $PSScriptRoot 'Catalog.Contract.Tests.ps1')
        $exported = @((Get-Module DataCompass).ExportedCmdlets.Keys)
        $exported.Count | Should -BeGreaterThan 15
        @($exported | Where-Object { $_ -notin 'Protect-DcDatabase', 'Unprotect-DcDatabase' -and $text -notmatch "\b$([regex]::Escape($_))\b" }) | Should -BeNullOrEmpty
    }
}
