#Requires -Version 7.4
# Set-DcConfig: writes config.yaml beside the catalog (0600 on Unix), round-trips each key, '' removes a key, an
# unusable secret name template is refused leaving the file as it was, an unregistered vault only warns, -WhatIf
# writes nothing, and what it writes is what Add-DcSource then uses.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/VaultHelpers.ps1
    Import-Module $script:DcModulePath -Force

    function Get-SetConfigErrorId([string] $Id) { Get-DcErrorId $Id 'Set-DcConfig' }

    $script:SavedDataDir = $env:DATACOMPASS_DATA_DIR

    function Get-ConfigPath { Join-Path $env:DATACOMPASS_DATA_DIR 'config.yaml' }
}

AfterAll {
    if ($null -eq $script:SavedDataDir) { Remove-Item env:DATACOMPASS_DATA_DIR -ErrorAction SilentlyContinue }
    else { $env:DATACOMPASS_DATA_DIR = $script:SavedDataDir }
    Remove-TestVault
}

Describe 'Set-DcConfig' {
    BeforeEach {
        $script:DataDir = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        $env:DATACOMPASS_DATA_DIR = $script:DataDir
    }

    AfterEach {
        Remove-TestVault
    }

    Context 'writing and reading back' {
        It 'round-trips -<Parameter> <Value> through Get-DcConfig' -TestCases @(
            @{ Parameter = 'SecretVault'; Value = 'Corp' }
            @{ Parameter = 'SecretVault'; Value = "Team's vault: #1" }
            @{ Parameter = 'SecretNameTemplate'; Value = 'dc-{field}-{source}' }
            @{ Parameter = 'SecretNameTemplate'; Value = '{source}{field}' }
            @{ Parameter = 'EncryptionKeyRef'; Value = 'Corp/datacompass-key' }
            @{ Parameter = 'EncryptionKeyRef'; Value = 'Vault/it''s: a ${secret} [ref] {x} "q" # not a comment' }
            @{ Parameter = 'EncryptionKeyRef'; Value = 'vault://Corp/key' }
        ) {
            param($Parameter, $Value)
            $arguments = @{ $Parameter = $Value; ErrorAction = 'Stop'; WarningAction = 'SilentlyContinue' }
            Set-DcConfig @arguments
            (Get-DcConfig -ErrorAction Stop).$Parameter | Should -BeExactly $Value
        }

        It 'writes into $env:DATACOMPASS_DATA_DIR, creating the folder' {
            Set-DcConfig -SecretNameTemplate 'x-{source}-{field}' -ErrorAction Stop
            Test-Path -LiteralPath (Get-ConfigPath) -PathType Leaf | Should -BeTrue
            (Get-DcConfig).Path | Should -BeExactly (Get-ConfigPath)
        }

        It 'writes beside -Database, and Get-DcConfig -Database reads it back' {
            $database = Join-Path $TestDrive ([guid]::NewGuid().ToString('n')) 'catalog.db'
            Set-DcConfig -Database $database -SecretNameTemplate 'db-{source}-{field}' -ErrorAction Stop
            $expected = Join-Path (Split-Path $database) 'config.yaml'
            Test-Path -LiteralPath $expected | Should -BeTrue
            Test-Path -LiteralPath (Get-ConfigPath) | Should -BeFalse
            (Get-DcConfig -Database $database).SecretNameTemplate | Should -BeExactly 'db-{source}-{field}'
            (Get-DcConfig).SecretNameTemplate | Should -BeExactly 'DataCompass-{source}-{field}'
        }

        It 'keeps the keys it is not given' {
            Set-DcConfig -SecretVault 'Corp' -SecretNameTemplate 'a-{source}-{field}' -EncryptionKeyRef 'Corp/key' -WarningAction SilentlyContinue
            Set-DcConfig -SecretNameTemplate 'b-{source}-{field}'
            $config = Get-DcConfig
            $config.SecretVault | Should -BeExactly 'Corp'
            $config.SecretNameTemplate | Should -BeExactly 'b-{source}-{field}'
            $config.EncryptionKeyRef | Should -BeExactly 'Corp/key'
        }

        It "removes a key given as ''" {
            Set-DcConfig -SecretVault 'Corp' -SecretNameTemplate 'a-{source}-{field}' -EncryptionKeyRef 'Corp/key' -WarningAction SilentlyContinue
            Set-DcConfig -SecretVault '' -ErrorAction Stop
            (Get-DcConfig).SecretVault | Should -BeNullOrEmpty
            Set-DcConfig -SecretNameTemplate '' -ErrorAction Stop
            (Get-DcConfig).SecretNameTemplate | Should -BeExactly 'DataCompass-{source}-{field}'
            Set-DcConfig -EncryptionKeyRef '' -ErrorAction Stop
            (Get-DcConfig).EncryptionKeyRef | Should -BeNullOrEmpty
            $text = Get-Content -LiteralPath (Get-ConfigPath) -Raw
            $text | Should -Not -Match '(?m)^\s*(secrets_backend|secret_name_template|encryption_key_ref)\s*:'
        }

        It 'leaves a readable config after its only key is removed (Get-DcConfig, Set-DcConfig, Add-DcSource)' {
            Set-DcConfig -SecretNameTemplate 'a-{source}-{field}' -ErrorAction Stop
            Set-DcConfig -SecretNameTemplate '' -ErrorAction Stop
            (Get-DcConfig -ErrorAction Stop).SecretNameTemplate | Should -BeExactly 'DataCompass-{source}-{field}'
            Set-DcConfig -SecretNameTemplate 'b-{source}-{field}' -ErrorAction Stop
            (Get-DcConfig -ErrorAction Stop).SecretNameTemplate | Should -BeExactly 'b-{source}-{field}'
            Set-DcConfig -SecretNameTemplate '' -ErrorAction Stop
            $vault = New-TestVault -Default
            Add-DcSource -Name 'prod' -Type postgresql -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = 'p' } -ErrorAction Stop
            ((Get-DcSource -Name 'prod').Fields | Where-Object Name -EQ 'password').Value | Should -BeExactly "`${secret:$vault/DataCompass-prod-password}"
        }

        It 'returns nothing by default and the DcConfigInfo with -PassThru' {
            Set-DcConfig -SecretNameTemplate 'a-{source}-{field}' | Should -BeNullOrEmpty
            $result = Set-DcConfig -SecretNameTemplate 'b-{source}-{field}' -PassThru
            $result | Should -BeOfType ([DataCompass.DcConfigInfo])
            $result.SecretNameTemplate | Should -BeExactly 'b-{source}-{field}'
            $result.Path | Should -BeExactly (Get-ConfigPath)
        }

        It 'creates the file with mode 0600 (and a new folder 0700) on Unix' {
            if ($IsWindows) { Set-ItResult -Skipped -Because 'Unix file modes do not apply on Windows'; return }
            Set-DcConfig -SecretNameTemplate 'a-{source}-{field}' -ErrorAction Stop
            [IO.File]::GetUnixFileMode((Get-ConfigPath)) | Should -Be ([IO.UnixFileMode] 'UserRead, UserWrite')
            [IO.File]::GetUnixFileMode($env:DATACOMPASS_DATA_DIR) | Should -Be ([IO.UnixFileMode] 'UserRead, UserWrite, UserExecute')
            Set-DcConfig -SecretNameTemplate 'b-{source}-{field}' -ErrorAction Stop
            [IO.File]::GetUnixFileMode((Get-ConfigPath)) | Should -Be ([IO.UnixFileMode] 'UserRead, UserWrite')
            @(Get-ChildItem -LiteralPath $env:DATACOMPASS_DATA_DIR -Force).Name | Should -Be @('config.yaml')
        }
    }

    Context 'refusals' {
        It 'refuses an unusable secret name template with DcConfigInvalid and leaves the file as it was' -TestCases @(
            @{ Case = 'missing {field}'; Template = 'DataCompass-{source}' }
            @{ Case = 'missing {source}'; Template = 'DataCompass-{field}' }
            @{ Case = "an '_'"; Template = 'DataCompass_{source}_{field}' }
            @{ Case = 'a slash'; Template = 'team/{source}-{field}' }
        ) {
            param($Case, $Template)
            Set-DcConfig -SecretNameTemplate 'good-{source}-{field}' -ErrorAction Stop
            $before = Get-FolderSnapshot $env:DATACOMPASS_DATA_DIR
            $err = { Set-DcConfig -SecretNameTemplate $Template -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-SetConfigErrorId 'DcConfigInvalid') -PassThru
            $err.CategoryInfo.Category | Should -Be 'InvalidData'
            $err.Exception.Message | Should -BeLike '*template*'
            Get-FolderSnapshot $env:DATACOMPASS_DATA_DIR | Should -Be $before
            (Get-DcConfig).SecretNameTemplate | Should -BeExactly 'good-{source}-{field}'
        }

        It 'refuses an unusable template without creating a file or folder' {
            { Set-DcConfig -SecretNameTemplate 'DataCompass-{source}' -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-SetConfigErrorId 'DcConfigInvalid')
            Test-Path -LiteralPath $env:DATACOMPASS_DATA_DIR | Should -BeFalse
        }

        It 'refuses to rewrite a config file with an unknown key, naming it, and leaves it as it was' {
            New-Item -ItemType Directory -Path $env:DATACOMPASS_DATA_DIR | Out-Null
            Set-Content -LiteralPath (Get-ConfigPath) -Value "secret_vault: Corp`n" -Encoding utf8NoBOM
            $before = Get-FolderSnapshot $env:DATACOMPASS_DATA_DIR
            $err = { Set-DcConfig -SecretNameTemplate 'a-{source}-{field}' -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-SetConfigErrorId 'DcConfigInvalid') -PassThru
            $err.Exception.Message | Should -BeLike "*'secret_vault'*"
            Get-FolderSnapshot $env:DATACOMPASS_DATA_DIR | Should -Be $before
        }
    }

    Context 'vaults' {
        It 'warns about a vault that is not registered, and still writes it' {
            $registered = New-TestVault -Default
            Set-DcConfig -SecretVault 'NoSuchVaultDct' -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop
            @($warnings).Count | Should -Be 1
            "$($warnings[0])" | Should -BeLike "*'NoSuchVaultDct'*"
            (Get-DcConfig).SecretVault | Should -BeExactly 'NoSuchVaultDct'
            $registered | Should -Not -BeNullOrEmpty
        }

        It 'does not warn about a registered vault' {
            $registered = New-TestVault
            Set-DcConfig -SecretVault $registered -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop
            @($warnings).Count | Should -Be 0
            (Get-DcConfig).SecretVault | Should -BeExactly $registered
        }

        It 'makes Add-DcSource put a literal secret in the configured vault, under the configured template' {
            $default = New-TestVault -Default
            $configured = New-TestVault
            Set-DcConfig -SecretVault $configured -SecretNameTemplate 'dc-{source}--{field}' -ErrorAction Stop
            $canary = New-Canary 'Literal'
            Add-DcSource -Name 'prod' -Type postgresql -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = $canary } -ErrorAction Stop

            $field = (Get-DcSource -Name 'prod').Fields | Where-Object Name -EQ 'password'
            $field.Value | Should -BeExactly "`${secret:$configured/dc-prod--password}"
            Get-Secret -Vault $configured -Name 'dc-prod--password' -AsPlainText | Should -BeExactly $canary
            @(Get-SecretInfo -Vault $default).Count | Should -Be 0
        }
    }

    Context '-WhatIf' {
        It 'writes nothing when there is no file yet' {
            Set-DcConfig -SecretVault 'Corp' -SecretNameTemplate 'a-{source}-{field}' -WhatIf -WarningAction SilentlyContinue
            Test-Path -LiteralPath $env:DATACOMPASS_DATA_DIR | Should -BeFalse
        }

        It 'leaves an existing file as it was' {
            Set-DcConfig -SecretNameTemplate 'a-{source}-{field}' -ErrorAction Stop
            $before = Get-FolderSnapshot $env:DATACOMPASS_DATA_DIR
            Set-DcConfig -SecretNameTemplate 'b-{source}-{field}' -EncryptionKeyRef 'x/y' -WhatIf
            Set-DcConfig -SecretNameTemplate '' -WhatIf
            Get-FolderSnapshot $env:DATACOMPASS_DATA_DIR | Should -Be $before
            (Get-DcConfig).SecretNameTemplate | Should -BeExactly 'a-{source}-{field}'
        }
    }

    Context '-Vault' {
        It 'is -SecretVault under the name Add-DcSource and Convert-DcSourceSecret use for it' {
            Set-DcConfig -Vault 'Corp' -WarningAction SilentlyContinue -ErrorAction Stop
            (Get-DcConfig).SecretVault | Should -BeExactly 'Corp'
            (Get-Command Set-DcConfig).Parameters['SecretVault'].Aliases | Should -Contain 'Vault'
        }
    }
}
