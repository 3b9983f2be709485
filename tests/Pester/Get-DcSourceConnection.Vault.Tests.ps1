#Requires -Version 7.4
# Get-DcSourceConnection with SecretManagement vaults: ${secret:Vault/Name} and secret_ref resolved at call time,
# SecureString unless -AsPlainText, a PSCredential where the adapter has user and password, each distinct secret
# fetched once per command, and per-field errors (locked, missing, unknown vault, unusable type, failing vault) that
# name the source, field and reference but never a value and do not stop the other sources. Setup and assertions use
# only SecretManagement's public cmdlets, so this file runs unchanged against the stand-in and the real module.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/VaultHelpers.ps1
    Import-Module $script:DcModulePath -Force

    $script:ModuleManifest = (Resolve-Path -LiteralPath $script:DcModulePath).Path
    $script:SavedDataDir = $env:DATACOMPASS_DATA_DIR
    $script:SavedHost = $env:DCT_GET_HOST
    $script:TestVaults = [System.Collections.Generic.List[string]]::new()
    $script:VaultPassword = 'pw'

    function New-Vault {
        param([hashtable] $Behaviour = @{}, [switch] $Default)
        $name = New-TestVault -Behaviour $Behaviour -Default:$Default
        $script:TestVaults.Add($name)
        return $name
    }

    function ConvertTo-SecureText([string] $Text) { ConvertTo-SecureString -String $Text -AsPlainText -Force }

    function New-LockedVault([hashtable] $Secrets = @{}) {
        <#
            A locked test vault (Locked = $true, Password = 'pw') holding $Secrets. Only public cmdlets: unlock, write,
            then unregister (the test vault forgets its unlock state) and register it again, locked.
        #>
        $name = New-Vault -Behaviour @{ Locked = $true; Password = $script:VaultPassword }
        if ($Secrets.Count -gt 0) {
            Unlock-SecretVault -Name $name -Password (ConvertTo-SecureText $script:VaultPassword)
            foreach ($key in $Secrets.Keys) { Set-Secret -Name $key -Secret $Secrets[$key] -Vault $name }
            Unregister-SecretVault -Name $name
            Register-SecretVault -Name $name -ModuleName (Resolve-Path $script:TestVaultModule).Path -DefaultVault:$false `
                -VaultParameters @{ Path = (Get-TestVaultFolder $name); Locked = $true; Password = $script:VaultPassword }
        }
        Test-SecretVault -Name $name | Should -BeFalse -Because "vault '$name' must be locked for this test"
        return $name
    }

    function Add-PgSource([string] $Name, $Password, [hashtable] $Fields = @{}) {
        # $Password untyped: $null leaves the field out (a [string] parameter would turn it into '').
        $connection = @{ host = 'db.example.com'; database = 'sales'; username = 'app'; password = $Password }
        foreach ($key in $Fields.Keys) { $connection[$key] = $Fields[$key] }
        if ($null -eq $Password) { $connection.Remove('password') }
        Add-DcSource -Name $Name -Type postgresql -Connection $connection -ErrorAction Stop
    }

    function ConvertTo-PlainText([securestring] $Secure) { [System.Net.NetworkCredential]::new('', $Secure).Password }

    function Assert-FieldError {
        # One non-terminating error for a field: ErrorId, category, and a message naming source, field and reference.
        param($Record, [string] $ErrorId, [string] $Category, [string] $Source, [string] $Field, [string] $Reference)
        $Record.FullyQualifiedErrorId | Should -Be (Get-DcErrorId $ErrorId 'Get-DcSourceConnection')
        "$($Record.CategoryInfo.Category)" | Should -Be $Category
        $Record.Exception.Message | Should -Match ([regex]::Escape("'$Source'"))
        $Record.Exception.Message | Should -Match ([regex]::Escape("'$Field'"))
        $Record.Exception.Message | Should -Match ([regex]::Escape($Reference))
    }
}

AfterAll {
    Set-TestVariable 'DATACOMPASS_DATA_DIR' $script:SavedDataDir
    Set-TestVariable 'DCT_GET_HOST' $script:SavedHost
    Remove-TestVault -Name @($script:TestVaults)
}

Describe 'Get-DcSourceConnection resolves vault references' -Tag 'Integration', 'Vault' {
    BeforeEach {
        $env:DATACOMPASS_DATA_DIR = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        $script:Vault = New-Vault -Default
        Set-SecretVaultDefault -Name $script:Vault
    }

    AfterEach {
        Remove-TestVault -Name @($script:TestVaults)
        $script:TestVaults.Clear()
        Set-TestVariable 'DCT_GET_HOST' $null
    }

    Context 'values' {
        It 'returns a ${secret:Vault/Name} password as a SecureString and builds a PSCredential' {
            $canary = New-Canary 'pw'
            Set-Secret -Name 'pg-password' -Secret $canary -Vault $script:Vault
            Add-PgSource prod "`${secret:$($script:Vault)/pg-password}"

            $connection = Get-DcSourceConnection -Name prod -ErrorAction Stop
            $connection.Name | Should -Be 'prod'
            $connection.Settings['password'] | Should -BeOfType [securestring]
            ConvertTo-PlainText $connection.Settings['password'] | Should -BeExactly $canary
            $connection.Settings['host'] | Should -BeExactly 'db.example.com'
            $connection.Credential | Should -BeOfType [pscredential]
            $connection.Credential.UserName | Should -BeExactly 'app'
            $connection.Credential.GetNetworkCredential().Password | Should -BeExactly $canary
            ($connection | Out-String -Width 4096).Contains($canary) | Should -BeFalse
        }

        It 'returns plain strings with -AsPlainText' {
            $canary = New-Canary 'plain'
            Set-Secret -Name 'pg-password' -Secret $canary -Vault $script:Vault
            Add-PgSource prod "`${secret:$($script:Vault)/pg-password}"

            $connection = Get-DcSourceConnection -Name prod -AsPlainText -ErrorAction Stop
            $connection.Settings['password'] | Should -BeOfType [string]
            $connection.Settings['password'] | Should -BeExactly $canary
            $connection.Credential.GetNetworkCredential().Password | Should -BeExactly $canary
        }

        It 'reads a SecureString secret the same way as a String secret' {
            $canary = New-Canary 'securesecret'
            Set-Secret -Name 'pg-secure' -SecureStringSecret (ConvertTo-SecureText $canary) -Vault $script:Vault
            Add-PgSource prod "`${secret:$($script:Vault)/pg-secure}"
            (Get-DcSourceConnection -Name prod -AsPlainText -ErrorAction Stop).Settings['password'] | Should -BeExactly $canary
        }

        It 'takes the password of a PSCredential secret in the password field' {
            $canary = New-Canary 'credpw'
            Set-Secret -Name 'pg-cred' -Secret ([pscredential]::new('vault-user', (ConvertTo-SecureText $canary))) -Vault $script:Vault
            Add-PgSource prod "`${secret:$($script:Vault)/pg-cred}"

            $connection = Get-DcSourceConnection -Name prod -ErrorAction Stop
            ConvertTo-PlainText $connection.Settings['password'] | Should -BeExactly $canary
            $connection.Credential.GetNetworkCredential().Password | Should -BeExactly $canary
            $connection.Credential.UserName | Should -BeExactly 'app' -Because 'the source''s username field is the user name'
        }

        It 'fills the password from a secret_ref Hashtable, mixed with an environment variable for the host' {
            $canary = New-Canary 'mappw'
            Set-Secret -Name 'pg-map' -Secret @{ password = $canary } -Vault $script:Vault
            $env:DCT_GET_HOST = 'env-host.example.com'
            Add-PgSource prod $null @{ host = '${DCT_GET_HOST}'; secret_ref = "vault://$($script:Vault)/pg-map" }

            $connection = Get-DcSourceConnection -Name prod -ErrorAction Stop
            $connection.Settings['host'] | Should -BeExactly 'env-host.example.com'
            $connection.Settings['password'] | Should -BeOfType [securestring]
            ConvertTo-PlainText $connection.Settings['password'] | Should -BeExactly $canary
            $connection.Credential.GetNetworkCredential().Password | Should -BeExactly $canary
        }

        It 'lets an explicit field beat the secret_ref entry for the same field' {
            $explicit = New-Canary 'explicit'
            $fromMap = New-Canary 'frommap'
            Set-Secret -Name 'pg-explicit' -Secret $explicit -Vault $script:Vault
            Set-Secret -Name 'pg-map' -Secret @{ password = $fromMap } -Vault $script:Vault
            Add-PgSource prod "`${secret:$($script:Vault)/pg-explicit}" @{ secret_ref = "vault://$($script:Vault)/pg-map" }

            (Get-DcSourceConnection -Name prod -AsPlainText -ErrorAction Stop).Settings['password'] | Should -BeExactly $explicit
        }

        It 'fills only the missing secret fields from a secret_ref (databricks service principal)' {
            $explicit = New-Canary 'cs'
            $token = New-Canary 'tok'
            Set-Secret -Name 'dbx-cs' -Secret $explicit -Vault $script:Vault
            Set-Secret -Name 'dbx-map' -Secret @{ access_token = $token; client_secret = (New-Canary 'ignored') } -Vault $script:Vault
            Add-DcSource -Name dbx -Type databricks -ErrorAction Stop -Connection @{
                host = 'adb-1.azuredatabricks.net'; http_path = '/p'; catalog = 'main'; auth_method = 'service_principal'
                client_id = 'app'; tenant_id = 'tenant'; client_secret = "`${secret:$($script:Vault)/dbx-cs}"
                secret_ref = "vault://$($script:Vault)/dbx-map"
            }

            $settings = (Get-DcSourceConnection -Name dbx -AsPlainText -ErrorAction Stop).Settings
            $settings['client_secret'] | Should -BeExactly $explicit
            $settings['access_token'] | Should -BeExactly $token
        }

        It 'resolves a source without vault references without calling any vault' {
            $env:DCT_GET_HOST = 'env-only'
            Add-PgSource envsrc '${DCT_GET_HOST}'
            Clear-TestVaultCall $script:Vault
            (Get-DcSourceConnection -Name envsrc -AsPlainText -ErrorAction Stop).Settings['password'] | Should -BeExactly 'env-only'
            @(Get-TestVaultCall -Name $script:Vault) | Should -BeNullOrEmpty
        }
    }

    Context 'one fetch per distinct secret per command' {
        BeforeEach {
            $script:Shared = New-Canary 'shared'
            Set-Secret -Name 'shared-pw' -Secret $script:Shared -Vault $script:Vault
            foreach ($name in 'a', 'b', 'c', 'd', 'e') { Add-PgSource $name "`${secret:$($script:Vault)/shared-pw}" }
            Clear-TestVaultCall $script:Vault
        }

        It 'reads a secret shared by five sources once for -Name a,b,c,d,e' {
            $connections = @(Get-DcSourceConnection -Name a, b, c, d, e -AsPlainText -ErrorAction Stop)
            @($connections.Name) | Should -Be @('a', 'b', 'c', 'd', 'e')
            foreach ($connection in $connections) { $connection.Settings['password'] | Should -BeExactly $script:Shared }
            @(Get-TestVaultCall -Name $script:Vault | Where-Object { $_ -eq 'Get-Secret shared-pw' }).Count | Should -Be 1
        }

        It 'reads it once for names piped into one command, and once per distinct secret' {
            $other = New-Canary 'other'
            Set-Secret -Name 'other-pw' -Secret $other -Vault $script:Vault
            Add-PgSource f "`${secret:$($script:Vault)/other-pw}" @{ host = "`${secret:$($script:Vault)/shared-pw}" }
            Clear-TestVaultCall $script:Vault

            $connections = @('a', 'b', 'c', 'd', 'e', 'f' | Get-DcSourceConnection -AsPlainText -ErrorAction Stop)
            $connections.Count | Should -Be 6
            $connections[5].Settings['password'] | Should -BeExactly $other
            $calls = @(Get-TestVaultCall -Name $script:Vault | Where-Object { $_ -like 'Get-Secret *' })
            @($calls | Where-Object { $_ -eq 'Get-Secret shared-pw' }).Count | Should -Be 1
            @($calls | Where-Object { $_ -eq 'Get-Secret other-pw' }).Count | Should -Be 1
        }

        It 'reads the vault again in the next command, so a rotated secret is seen' {
            (Get-DcSourceConnection -Name a -AsPlainText -ErrorAction Stop).Settings['password'] | Should -BeExactly $script:Shared
            $rotated = New-Canary 'rotated'
            Set-Secret -Name 'shared-pw' -Secret $rotated -Vault $script:Vault
            (Get-DcSourceConnection -Name a -AsPlainText -ErrorAction Stop).Settings['password'] | Should -BeExactly $rotated
        }
    }

    Context 'failures' {
        It 'reports a locked vault as DcVaultLocked naming the vault and Unlock-SecretVault, and still resolves the other sources' {
            $openValue = New-Canary 'open'
            $lockedValue = New-Canary 'locked'
            Set-Secret -Name 'open-pw' -Secret $openValue -Vault $script:Vault
            $locked = New-LockedVault @{ 'locked-pw' = $lockedValue }
            Add-PgSource open "`${secret:$($script:Vault)/open-pw}"
            Add-PgSource shut "`${secret:$locked/locked-pw}"
            Add-DcSource -Name dbx -Type databricks -ErrorAction Stop -Connection @{
                host = 'adb-1.azuredatabricks.net'; http_path = '/p'; catalog = 'main'; auth_method = 'service_principal'
                client_id = 'app'; tenant_id = 'tenant'
                access_token = "`${secret:$($script:Vault)/open-pw}"; client_secret = "`${secret:$locked/locked-pw}"
            }

            $connections = @(Get-DcSourceConnection -Name open, shut, dbx -AsPlainText -ErrorAction SilentlyContinue -ErrorVariable errors)
            @($connections.Name) | Should -Be @('open') -Because 'shut and dbx did not fully resolve'
            $connections[0].Settings['password'] | Should -BeExactly $openValue

            $errors.Count | Should -Be 2 -Because 'one error per failing field, none for the fields that resolved'
            Assert-FieldError $errors[0] 'DcVaultLocked' 'SecurityError' 'shut' 'password' "`${secret:$locked/locked-pw}"
            Assert-FieldError $errors[1] 'DcVaultLocked' 'SecurityError' 'dbx' 'client_secret' "`${secret:$locked/locked-pw}"
            foreach ($record in $errors) {
                $record.Exception.Message | Should -Match ([regex]::Escape($locked))
                $record.Exception.Message | Should -Match 'Unlock-SecretVault'
                $record.Exception.Message | Should -Not -Match 'access_token'
                Assert-NoValue $record @($openValue, $lockedValue)
            }
        }

        It 'reports a vault secret longer than a SecureString holds as DcSecretTooLong, and emits no connection' {
            Set-Secret -Name 'long-pw' -Secret ('L' * 70000) -Vault $script:Vault
            Add-PgSource long "`${secret:$($script:Vault)/long-pw}"
            $connections = @(Get-DcSourceConnection -Name long -ErrorAction SilentlyContinue -ErrorVariable errors)
            $errors.Count | Should -Be 1
            Assert-FieldError $errors[0] 'DcSecretTooLong' 'InvalidData' 'long' 'password' "`${secret:$($script:Vault)/long-pw}"
            $connections | Should -HaveCount 0
            Assert-NoValue $errors[0] ('L' * 100)
        }

        It 'resolves from the locked vault once Unlock-SecretVault has run' {
            $lockedValue = New-Canary 'unlocked'
            $locked = New-LockedVault @{ 'locked-pw' = $lockedValue }
            Add-PgSource shut "`${secret:$locked/locked-pw}"
            $unresolved = @(Get-DcSourceConnection -Name shut -ErrorAction SilentlyContinue -ErrorVariable errors)
            $unresolved | Should -HaveCount 0 -Because 'a source that did not fully resolve gives no connection'
            $errors[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcVaultLocked' 'Get-DcSourceConnection')

            Unlock-SecretVault -Name $locked -Password (ConvertTo-SecureText $script:VaultPassword)
            (Get-DcSourceConnection -Name shut -AsPlainText -ErrorAction Stop).Settings['password'] | Should -BeExactly $lockedValue
        }

        It 'reports a missing secret as DcSecretNotFound naming source, field and reference' {
            Add-PgSource miss "`${secret:$($script:Vault)/no-such-secret}"
            $unresolved = @(Get-DcSourceConnection -Name miss -ErrorAction SilentlyContinue -ErrorVariable errors)
            $unresolved | Should -HaveCount 0 -Because 'a source that did not fully resolve gives no connection'
            $errors.Count | Should -Be 1
            Assert-FieldError $errors[0] 'DcSecretNotFound' 'ObjectNotFound' 'miss' 'password' "`${secret:$($script:Vault)/no-such-secret}"
        }

        It 'adds only its own DcSecretNotFound record to $Error, none of SecretManagement''s' {
            Add-PgSource miss "`${secret:$($script:Vault)/no-such-secret}"
            $marker = if ($Error.Count -gt 0) { $Error[0] } else { $null }
            $unresolved = @(Get-DcSourceConnection -Name miss -ErrorAction SilentlyContinue)
            $unresolved | Should -HaveCount 0 -Because 'a source that did not fully resolve gives no connection'
            $added = foreach ($record in $Error) { if ($null -ne $marker -and [object]::ReferenceEquals($record, $marker)) { break }; $record }
            @($added | ForEach-Object { if ($_ -is [Management.Automation.ErrorRecord]) { $_.FullyQualifiedErrorId } else { "$_" } }) |
                Should -Be @(Get-DcErrorId 'DcSecretNotFound' 'Get-DcSourceConnection')
        }

        It 'throws DcSecretNotFound under -ErrorAction Stop' {
            Add-PgSource miss "`${secret:$($script:Vault)/no-such-secret}"
            { Get-DcSourceConnection -Name miss -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-DcErrorId 'DcSecretNotFound' 'Get-DcSourceConnection')
        }

        It 'reports a stored reference to a vault that is no longer registered as DcVaultNotFound' {
            $gone = New-Vault
            Set-Secret -Name 'pw' -Secret (New-Canary 'gone') -Vault $gone
            Add-PgSource orphan "`${secret:$gone/pw}"
            Remove-TestVault -Name $gone

            $unresolved = @(Get-DcSourceConnection -Name orphan -ErrorAction SilentlyContinue -ErrorVariable errors)
            $unresolved | Should -HaveCount 0 -Because 'a source that did not fully resolve gives no connection'
            $errors.Count | Should -Be 1
            Assert-FieldError $errors[0] 'DcVaultNotFound' 'ObjectNotFound' 'orphan' 'password' "`${secret:$gone/pw}"
        }

        It 'reports a ByteArray secret in a field as DcSecretTypeUnusable' {
            Set-Secret -Name 'bytes' -Secret ([byte[]] (1, 2, 3, 4)) -Vault $script:Vault
            Add-PgSource bin "`${secret:$($script:Vault)/bytes}"

            $unresolved = @(Get-DcSourceConnection -Name bin -ErrorAction SilentlyContinue -ErrorVariable errors)
            $unresolved | Should -HaveCount 0 -Because 'a source that did not fully resolve gives no connection'
            $errors.Count | Should -Be 1
            Assert-FieldError $errors[0] 'DcSecretTypeUnusable' 'InvalidData' 'bin' 'password' "`${secret:$($script:Vault)/bytes}"
            $errors[0].Exception.Message | Should -Match 'ByteArray'
        }

        It 'reports a secret_ref that is not a Hashtable as DcSecretTypeUnusable, and one without the field as DcSecretNotFound' {
            $text = New-Canary 'notamap'
            Set-Secret -Name 'text' -Secret $text -Vault $script:Vault
            Set-Secret -Name 'map' -Secret @{ other = (New-Canary 'other') } -Vault $script:Vault
            Add-PgSource textref $null @{ secret_ref = "vault://$($script:Vault)/text" }
            Add-PgSource mapref $null @{ secret_ref = "vault://$($script:Vault)/map" }

            $unresolved = @(Get-DcSourceConnection -Name textref, mapref -ErrorAction SilentlyContinue -ErrorVariable errors)
            $unresolved | Should -HaveCount 0 -Because 'a source that did not fully resolve gives no connection'
            $errors.Count | Should -Be 2
            $errors[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcSecretTypeUnusable' 'Get-DcSourceConnection')
            $errors[0].Exception.Message | Should -Match "'textref'"
            $errors[0].Exception.Message | Should -Match ([regex]::Escape("vault://$($script:Vault)/text"))
            Assert-FieldError $errors[1] 'DcSecretNotFound' 'ObjectNotFound' 'mapref' 'password' "vault://$($script:Vault)/map"
            Assert-NoValue $errors[0] $text
        }

        It 'reports a vault whose Get-Secret fails as DcVaultFailed' {
            $failing = New-Vault -Behaviour @{ Fail = 'Get' }
            $value = New-Canary 'failing'
            Set-Secret -Name 'pw' -Secret $value -Vault $failing
            Add-PgSource broken "`${secret:$failing/pw}"

            $unresolved = @(Get-DcSourceConnection -Name broken -ErrorAction SilentlyContinue -ErrorVariable errors)
            $unresolved | Should -HaveCount 0 -Because 'a source that did not fully resolve gives no connection'
            $errors.Count | Should -Be 1
            Assert-FieldError $errors[0] 'DcVaultFailed' 'ResourceUnavailable' 'broken' 'password' "`${secret:$failing/pw}"
            $errors[0].Exception.Message | Should -Match ([regex]::Escape($failing))
            Assert-NoValue $errors[0] $value
        }
    }

    Context 'automation' {
        It 'fails fast in a non-interactive runbook with a locked vault: no prompt, a DcVaultLocked error, a non-zero exit' {
            $locked = New-LockedVault @{ 'locked-pw' = (New-Canary 'runbook') }
            Add-PgSource nightly "`${secret:$locked/locked-pw}"
            $runbook = @'
trap { "FAILED: $($_.FullyQualifiedErrorId)"; "MESSAGE: $($_.Exception.Message)"; exit 1 }
Import-Module $env:DCT_MODULE -ErrorAction Stop
$connection = Get-DcSourceConnection -Name nightly -ErrorAction Stop
'RESOLVED'
exit 0
'@
            $run = Invoke-Runbook -Script $runbook -Environment @{
                DCT_MODULE = $script:ModuleManifest; DATACOMPASS_DATA_DIR = $env:DATACOMPASS_DATA_DIR
            }

            $run.TimedOut | Should -BeFalse -Because 'a runbook must never wait for a password'
            $run.ExitCode | Should -Be 1 -Because $run.Text
            $run.Text | Should -Match ([regex]::Escape('FAILED: ' + (Get-DcErrorId 'DcVaultLocked' 'Get-DcSourceConnection')))
            $run.Text | Should -Match 'Unlock-SecretVault'
            $run.Text | Should -Match ([regex]::Escape($locked))
            $run.Text | Should -Not -Match 'RESOLVED'
            $run.Text | Should -Not -Match 'NonInteractive mode|Read and Prompt'
            $run.Elapsed.TotalSeconds | Should -BeLessThan 30
        }
    }
}
