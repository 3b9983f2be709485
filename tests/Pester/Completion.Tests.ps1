#Requires -Version 7.4
# Tab completion: -Name completes source names from the catalog the command would use (-Database typed on the
# line honoured), -Type the adapter types, -Vault the registered SecretManagement vaults with the default first,
# -Field the secret fields of the source's type, -Connection a hashtable of the type's fields; every
# -Name/-Source/-Vault parameter has a completer, and a completer never errors (no catalog, no vault: nothing).

BeforeDiscovery {
    # The test cases come from the module's own cmdlets, so it is loaded at discovery time too.
    . $PSScriptRoot/TestHelpers.ps1
    Import-Module $script:DcModulePath -Force
    $script:CompleterCases = @(
        foreach ($command in Get-Command -Module DataCompass -CommandType Cmdlet) {
            foreach ($parameter in 'Name', 'Source', 'Vault', 'SecretVault') {
                # Add-DcSource -Name names a new source: there is nothing to complete it from.
                if ($command.Parameters.ContainsKey($parameter) -and -not ($command.Name -eq 'Add-DcSource' -and $parameter -eq 'Name')) {
                    @{ Command = $command.Name; Parameter = $parameter }
                }
            }
        }
    )
}

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/VaultHelpers.ps1
    Import-Module $script:DcModulePath -Force

    $script:SavedDataDir = $env:DATACOMPASS_DATA_DIR

    function Restore-DataDir {
        if ($null -eq $script:SavedDataDir) { Remove-Item env:DATACOMPASS_DATA_DIR -ErrorAction SilentlyContinue }
        else { $env:DATACOMPASS_DATA_DIR = $script:SavedDataDir }
    }

    function Add-PgSource([string] $Name, [string] $Database) {
        $arguments = @{
            Name        = $Name
            Type        = 'postgresql'
            Connection  = @{ host = 'db.example.com'; database = 'sales'; username = 'app'; password = '${DCT_PASSWORD}' }
            ErrorAction = 'Stop'
        }
        if ($Database) { $arguments.Database = $Database }
        Add-DcSource @arguments
    }

    function Get-Completion([string] $InputScript) {
        # What the user gets on pressing Tab at the end of the line.
        (TabExpansion2 -inputScript $InputScript -cursorColumn $InputScript.Length).CompletionMatches
    }

    function Get-CompleterAttribute([string] $Command, [string] $Parameter) {
        (Get-Command $Command).Parameters[$Parameter].Attributes | Where-Object { $_ -is [System.Management.Automation.ArgumentCompleterAttribute] }
    }

    # The catalog every test completes from (created once: the tests only read it).
    $script:CatalogDir = Join-Path $TestDrive 'catalog'
    $env:DATACOMPASS_DATA_DIR = $script:CatalogDir
    foreach ($name in 'prod', 'prod-eu', 'dev') { Add-PgSource -Name $name }

    # A second catalog, named only with -Database.
    $script:OtherDir = Join-Path $TestDrive 'other'
    $script:OtherDatabase = Join-Path $script:OtherDir 'other.db'
    foreach ($name in 'prod-other', 'qa') { Add-PgSource -Name $name -Database $script:OtherDatabase }

    # A third, with sources of two types: a postgresql and a databricks one.
    $script:MixedDatabase = Join-Path $TestDrive 'mixed/mixed.db'
    Add-PgSource -Name 'sales' -Database $script:MixedDatabase
    Add-DcSource -Name 'lake' -Type databricks -Database $script:MixedDatabase -ErrorAction Stop -Connection @{
        host = 'adb.example.net'; http_path = '/sql/1.0/warehouses/w'; catalog = 'main'; access_token = '${DCT_TOKEN}' }
}

AfterAll {
    Restore-DataDir
    Remove-TestVault
}

Describe 'Tab completion' {
    BeforeEach {
        $env:DATACOMPASS_DATA_DIR = $script:CatalogDir
    }

    AfterEach {
        Remove-TestVault
    }

    Context '-Name: source names' {
        It 'completes "Get-DcSource -Name pr" with prod and prod-eu' {
            $completions = Get-Completion 'Get-DcSource -Name pr'
            @($completions.CompletionText) | Sort-Object | Should -Be @('prod', 'prod-eu')
            $completions | ForEach-Object { $_.ResultType | Should -Be 'ParameterValue' }
        }

        It 'completes <Command> -Name pr' -TestCases @(
            @{ Command = 'Get-DcSource' }
            @{ Command = 'Get-DcSourceConnection' }
            @{ Command = 'Test-DcSource' }
            @{ Command = 'Remove-DcSource' }
            @{ Command = 'Set-DcSourceSecret' }
            @{ Command = 'Get-DcAuditEvent' }
            @{ Command = 'Set-DcSource' }
            @{ Command = 'Export-DcSource' }
            @{ Command = 'Move-DcSourceSecret' }
        ) {
            param($Command)
            @((Get-Completion "$Command -Name pr").CompletionText) | Sort-Object | Should -Be @('prod', 'prod-eu')
        }

        It 'completes the positional name, case-insensitively, and every source for an empty word' {
            @((Get-Completion 'Get-DcSource PR').CompletionText) | Sort-Object | Should -Be @('prod', 'prod-eu')
            @((Get-Completion 'Test-DcSource -Name ').CompletionText) | Sort-Object | Should -Be @('dev', 'prod', 'prod-eu')
            @((Get-Completion 'Get-DcSource -Name prod-').CompletionText) | Should -Be @('prod-eu')
        }

        It 'completes from the catalog named by -Database typed earlier on the line' {
            $line = "Get-DcSource -Database '$($script:OtherDatabase)' -Name pr"
            @((Get-Completion $line).CompletionText) | Should -Be @('prod-other')
            $line = "Set-DcSourceSecret -Database '$($script:OtherDatabase)' -Name "
            @((Get-Completion $line).CompletionText) | Sort-Object | Should -Be @('prod-other', 'qa')
        }

        It 'resolves a relative -Database against the current location, as the cmdlet does' {
            Push-Location -LiteralPath $script:OtherDir
            try {
                @(Get-DcSource -Database './other.db' -Name 'pr*').Name | Should -Be @('prod-other')
                @((Get-Completion 'Get-DcSource -Database ./other.db -Name pr').CompletionText) | Should -Be @('prod-other')
            }
            finally {
                Pop-Location
            }
        }

        It 'offers nothing and raises no error when the catalog does not exist, and creates none' {
            $missing = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
            $env:DATACOMPASS_DATA_DIR = $missing
            $empty = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
            New-Item -ItemType Directory -Path $empty | Out-Null
            Push-Location -LiteralPath $empty   # so that a fallback to file names has nothing to offer either
            try {
                $Error.Clear()
                @(Get-Completion 'Get-DcSource -Name pr').Count | Should -Be 0
                @(Get-Completion 'Remove-DcSource -Name ').Count | Should -Be 0
                @(Get-Completion "Get-DcSource -Database '$missing/x.db' -Name ").Count | Should -Be 0
                $Error.Count | Should -Be 0
            }
            finally {
                Pop-Location
            }
            Test-Path -LiteralPath $missing | Should -BeFalse
        }

        It 'returns an empty result, not an error, when its completer is called directly without a catalog' {
            $env:DATACOMPASS_DATA_DIR = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
            $attribute = Get-CompleterAttribute 'Get-DcSource' 'Name'
            $completer = [Activator]::CreateInstance($attribute.Type)
            $results = @($completer.CompleteArgument('Get-DcSource', 'Name', 'pr', $null, @{}))
            $results.Count | Should -Be 0
            $results = @($completer.CompleteArgument('Get-DcSource', 'Name', '', $null, @{ Database = (Join-Path $TestDrive 'nowhere/x.db') }))
            $results.Count | Should -Be 0
            Test-Path -LiteralPath (Join-Path $TestDrive 'nowhere') | Should -BeFalse
        }
    }

    Context '-Type: adapter types' {
        It 'completes "Add-DcSource -Type sn" with snowflake' {
            @((Get-Completion 'Add-DcSource -Name x -Type sn').CompletionText) | Should -Be @('snowflake')
            @((Get-Completion 'Add-DcSource -Type sn').CompletionText) | Should -Be @('snowflake')
        }

        It 'lists every adapter type for an empty word, and completes Get-DcSource -Type too' {
            @((Get-Completion 'Add-DcSource -Type ').CompletionText) | Sort-Object | Should -Be @('databricks', 'postgresql', 'snowflake')
            @((Get-Completion 'Get-DcSource -Type po').CompletionText) | Should -Be @('postgresql')
        }
    }

    Context '-Vault: registered vaults' {
        It 'lists the registered vaults matching the prefix, the default first' {
            $prefix = 'DcTestC' + [guid]::NewGuid().ToString('n').Substring(0, 4)
            $first = New-TestVault -Prefix "${prefix}a"
            $default = New-TestVault -Prefix "${prefix}b" -Default
            $third = New-TestVault -Prefix "${prefix}c"
            $unrelated = New-TestVault -Prefix 'DcTestZ'

            $completions = @(Get-Completion "Add-DcSource -Name x -Type postgresql -Vault $prefix")
            @($completions.CompletionText) | Should -Be @($default, $first, $third)
            $completions.CompletionText | Should -Not -Contain $unrelated
            $completions[0].ToolTip | Should -BeLike '*default*'
        }

        It 'completes -Vault of Set-DcSourceSecret and -SecretVault of Set-DcConfig' {
            $prefix = 'DcTestC' + [guid]::NewGuid().ToString('n').Substring(0, 4)
            $vault = New-TestVault -Prefix $prefix
            @((Get-Completion "Set-DcSourceSecret -Name prod -Field password -Vault $prefix").CompletionText) | Should -Be @($vault)
            @((Get-Completion "Set-DcConfig -SecretVault $prefix").CompletionText) | Should -Be @($vault)
        }

        It 'completes -From and -To of Move-DcSourceSecret' {
            $prefix = 'DcTestM' + [guid]::NewGuid().ToString('n').Substring(0, 4)
            $vault = New-TestVault -Prefix $prefix
            @((Get-Completion "Move-DcSourceSecret -From $prefix").CompletionText) | Should -Be @($vault)
            @((Get-Completion "Move-DcSourceSecret -From x -To $prefix").CompletionText) | Should -Be @($vault)
        }

        It 'completes -Vault of Get-DcSecretInventory' {
            $prefix = 'DcTestI' + [guid]::NewGuid().ToString('n').Substring(0, 4)
            $vault = New-TestVault -Prefix $prefix
            @((Get-Completion "Get-DcSecretInventory -Vault $prefix").CompletionText) | Should -Be @($vault)
        }

        It 'returns an empty result, not an error, when no vault matches' {
            $attribute = Get-CompleterAttribute 'Add-DcSource' 'Vault'
            $completer = [Activator]::CreateInstance($attribute.Type)
            $Error.Clear()
            @($completer.CompleteArgument('Add-DcSource', 'Vault', 'NoSuchVaultDct', $null, @{})).Count | Should -Be 0
            $Error.Count | Should -Be 0
        }
    }

    Context 'every -Name, -Source and -Vault parameter has a completer' {
        It '<Command> -<Parameter> has an ArgumentCompleterAttribute' -TestCases $script:CompleterCases {
            param($Command, $Parameter)
            $attribute = Get-CompleterAttribute $Command $Parameter
            $attribute | Should -Not -BeNullOrEmpty
            $expected = if ($Parameter -in 'Name', 'Source') { 'SourceNameCompleter' } else { 'VaultNameCompleter' }
            $attribute.Type.Name | Should -BeExactly $expected
        }

        It 'checks every such parameter (<CaseCount> cases were generated at discovery)' -TestCases @(@{ CaseCount = $script:CompleterCases.Count }) {
            param($CaseCount)
            $expected = @(
                foreach ($command in Get-Command -Module DataCompass -CommandType Cmdlet) {
                    foreach ($parameter in 'Name', 'Source', 'Vault', 'SecretVault') {
                        if ($command.Parameters.ContainsKey($parameter) -and -not ($command.Name -eq 'Add-DcSource' -and $parameter -eq 'Name')) { "$($command.Name) -$parameter" }
                    }
                }
            )
            $expected.Count | Should -BeGreaterOrEqual 7
            $CaseCount | Should -Be $expected.Count
        }
    }

    Context '-Field: the secret fields of the source''s type' {
        It 'completes Set-DcSourceSecret -Field with the secret fields of the named source''s type' {
            $completions = @(Get-Completion 'Set-DcSourceSecret -Name prod -Field ')
            @($completions.CompletionText) | Should -Be @('password')
            $completions[0].ResultType | Should -Be 'ParameterValue'
            $completions[0].ToolTip | Should -BeLike '*postgresql*'
            @((Get-Completion "Set-DcSourceSecret -Database '$($script:MixedDatabase)' lake -Field ").CompletionText) | Should -Be @('access_token', 'client_secret')
            @((Get-Completion "Set-DcSourceSecret -Database '$($script:MixedDatabase)' -Name lake -Field CL").CompletionText) | Should -Be @('client_secret')
        }

        It 'completes -Field for a source piped from Get-DcSource <name>' {
            @((Get-Completion "Get-DcSource -Database '$($script:MixedDatabase)' lake | Set-DcSourceSecret -Field ").CompletionText) | Should -Be @('access_token', 'client_secret')
            @((Get-Completion "Get-DcSource -Database '$($script:MixedDatabase)' -Name sa* | Set-DcSourceSecret -Field ").CompletionText) | Should -Be @('password')
        }

        It 'offers the secret field, not the file names of the current folder' {
            $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive "files-$([guid]::NewGuid().ToString('n'))")
            Set-Content -Path (Join-Path $folder 'pass.txt') -Value 'x'
            Push-Location -LiteralPath $folder
            try {
                @((Get-Completion 'Set-DcSourceSecret prod -Field pa').CompletionText) | Should -Be @('password')
            }
            finally {
                Pop-Location
            }
        }

        It 'offers the secret fields of every type while no source is known, and raises no error' {
            $Error.Clear()
            @((Get-Completion 'Set-DcSourceSecret -Field ').CompletionText) | Should -Be @('password', 'access_token', 'client_secret')
            $env:DATACOMPASS_DATA_DIR = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
            @((Get-Completion 'Set-DcSourceSecret -Name prod -Field ').CompletionText) | Should -Be @('password', 'access_token', 'client_secret')
            $Error.Count | Should -Be 0
            Test-Path -LiteralPath $env:DATACOMPASS_DATA_DIR | Should -BeFalse
        }
    }

    Context '-Connection: a hashtable of the type''s fields' {
        It 'completes Add-DcSource -Connection with the required fields of -Type, as a hashtable that parses' {
            $completions = @(Get-Completion 'Add-DcSource -Name x -Type postgresql -Connection ')
            $completions.Count | Should -Be 1
            $completions[0].CompletionText | Should -BeExactly "@{ host = ''; database = ''; username = ''; password = '' }"
            $completions[0].ToolTip | Should -BeLike '*Optional: port (5432), ssl_mode (prefer)*'
            $table = [scriptblock]::Create($completions[0].CompletionText).InvokeReturnAsIs()
            @($table.Keys | Sort-Object) | Should -Be @('database', 'host', 'password', 'username')
        }

        It 'completes after a typed @, with the positional type, a required field that depends on a default included' {
            # databricks: access_token is required because auth_method defaults to personal_token.
            @((Get-Completion 'Add-DcSource x databricks -Connection @').CompletionText) | Should -Be @("@{ host = ''; http_path = ''; catalog = ''; access_token = '' }")
            @((Get-Completion 'Add-DcSource x snowflake -Connection ').CompletionText) | Should -Be @("@{ account = ''; warehouse = ''; database = ''; username = ''; password = '' }")
        }

        It 'completes Set-DcSource -Connection with one hashtable per field of the source''s type, defaults filled in' {
            $completions = @(Get-Completion 'Set-DcSource prod -Connection ')
            @($completions.ListItemText) | Should -Be @('host', 'port', 'database', 'username', 'password', 'ssl_mode', 'schema_filter', 'exclude_schemas', 'connect_timeout', 'query_timeout')
            ($completions | Where-Object ListItemText -EQ 'port').CompletionText | Should -BeExactly '@{ port = 5432 }'
            ($completions | Where-Object ListItemText -EQ 'port').ToolTip | Should -BeLike '*1 to 65535*'
            ($completions | Where-Object ListItemText -EQ 'ssl_mode').CompletionText | Should -BeExactly "@{ ssl_mode = 'prefer' }"
            @((Get-Completion "Get-DcSource -Database '$($script:MixedDatabase)' lake | Set-DcSource -Connection ").ListItemText) | Should -Contain 'auth_method'
        }

        It 'offers nothing without a type, or once something else than @ is typed' {
            $Error.Clear()
            @(Get-Completion 'Add-DcSource -Name x -Connection ' | Where-Object ResultType -EQ 'ParameterValue') | Should -BeNullOrEmpty
            @(Get-Completion 'Add-DcSource -Name x -Type postgresql -Connection $c' | Where-Object CompletionText -Like '@*') | Should -BeNullOrEmpty
            $Error.Count | Should -Be 0
        }
    }

    Context '-KeyId: the ids of the key ring' {
        It '<_> -KeyId has the KeyIdCompleter' -ForEach @(Get-Command -Module DataCompass -CommandType Cmdlet | Where-Object { $_.Parameters.ContainsKey('KeyId') } | ForEach-Object Name) {
            (Get-CompleterAttribute $_ 'KeyId').Type.Name | Should -BeExactly 'KeyIdCompleter'
        }

        It 'completes Remove-DcEncryptionKey -KeyId with the catalog''s key ids, and nothing where there is no ring' {
            $env:DATACOMPASS_DATA_DIR = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
            $key = New-DcEncryptionKey -ErrorAction Stop
            @((Get-Completion 'Remove-DcEncryptionKey -KeyId ').CompletionText) | Should -Be @($key.KeyId)
            $env:DATACOMPASS_DATA_DIR = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
            @(Get-Completion 'Remove-DcEncryptionKey -KeyId ' | Where-Object ResultType -EQ 'ParameterValue') | Should -BeNullOrEmpty
        }
    }
}

Describe 'Import-DcSource completion' {
    BeforeAll {
        . $PSScriptRoot/TestHelpers.ps1
        Import-Module $script:DcModulePath -Force
    }

    It 'completes -Vault with vault names and -Path with files' {
        $command = Get-Command Import-DcSource
        ($command.Parameters['Vault'].Attributes | Where-Object { $_ -is [System.Management.Automation.ArgumentCompleterAttribute] }).Type.Name | Should -BeExactly 'VaultNameCompleter'
        $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive "complete-$([guid]::NewGuid().ToString('n'))")
        Set-Content -Path (Join-Path $folder 'prod.yaml') -Value 'type: postgresql'
        Push-Location -LiteralPath $folder
        try {
            @((TabExpansion2 -inputScript 'Import-DcSource -Path pr' -cursorColumn 24).CompletionMatches.CompletionText) | Should -Be @('./prod.yaml')
        }
        finally {
            Pop-Location
        }
    }
}
