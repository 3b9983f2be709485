#Requires -Version 7.4
# Get-DcConfig: config.yaml beside the catalog database (-Database, $env:DATACOMPASS_DATA_DIR, ~/.datacompass),
# defaults when the file is missing, and a DcConfigInvalid error naming the problem for a hand-written file with
# an unknown key, a wrong type or broken YAML, an error Add-DcSource then raises too.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/VaultHelpers.ps1
    Import-Module $script:DcModulePath -Force

    function Get-ConfigErrorId([string] $Id, [string] $Cmdlet = 'Get-DcConfig') { Get-DcErrorId $Id $Cmdlet }

    $script:EnvNames = @('DATACOMPASS_DATA_DIR', 'HOME')
    $script:SavedEnv = @{}
    foreach ($name in $script:EnvNames) { $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name) }

    function Write-Config([string] $Text, [string] $Folder = $env:DATACOMPASS_DATA_DIR) {
        New-Item -ItemType Directory -Force -Path $Folder | Out-Null
        $path = Join-Path $Folder 'config.yaml'
        Set-Content -LiteralPath $path -Value $Text -Encoding utf8NoBOM -NoNewline
        return $path
    }
}

AfterAll {
    Restore-TestEnvironment
    Remove-TestVault
}

Describe 'Get-DcConfig' {
    BeforeEach {
        Restore-TestEnvironment
        $script:DataDir = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        $env:DATACOMPASS_DATA_DIR = $script:DataDir
    }

    AfterEach {
        Restore-TestEnvironment
        Remove-TestVault
    }

    Context 'defaults and location' {
        It 'declares DataCompass.DcConfigInfo as its output type' {
            (Get-Command Get-DcConfig).OutputType.Name | Should -Contain 'DataCompass.DcConfigInfo'
        }

        It 'returns the defaults when there is no config file, and creates nothing' {
            $config = Get-DcConfig -ErrorAction Stop
            @($config).Count | Should -Be 1
            $config | Should -BeOfType ([DataCompass.DcConfigInfo])
            $config.SecretNameTemplate | Should -BeExactly 'DataCompass-{source}-{field}'
            $config.SecretVault | Should -BeNullOrEmpty
            $config.EncryptionKeyRef | Should -BeNullOrEmpty
            $config.Path | Should -BeExactly (Join-Path $script:DataDir 'config.yaml')
            Test-Path -LiteralPath $script:DataDir | Should -BeFalse
        }

        It 'puts the file beside the -Database file, over $env:DATACOMPASS_DATA_DIR' {
            $folder = Join-Path $TestDrive 'elsewhere'
            $config = Get-DcConfig -Database (Join-Path $folder 'catalog.db')
            $config.Path | Should -BeExactly (Join-Path $folder 'config.yaml')
        }

        It 'resolves a relative -Database against the current location' {
            $folder = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
            New-Item -ItemType Directory -Path $folder | Out-Null
            Push-Location -LiteralPath $folder
            try {
                (Get-DcConfig -Database 'sub/catalog.db').Path | Should -BeExactly (Join-Path $folder 'sub/config.yaml')
            }
            finally {
                Pop-Location
            }
        }

        It 'uses ~/.datacompass/config.yaml when neither -Database nor $env:DATACOMPASS_DATA_DIR is given' {
            $fakeHome = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
            New-Item -ItemType Directory -Path $fakeHome | Out-Null
            Set-TestVariable 'DATACOMPASS_DATA_DIR' $null
            Set-TestVariable 'HOME' $fakeHome
            if ($IsWindows) { Set-ItResult -Skipped -Because 'the user profile folder is not taken from HOME on Windows'; return }
            (Get-DcConfig -ErrorAction Stop).Path | Should -BeExactly (Join-Path $fakeHome '.datacompass/config.yaml')
        }

        It 'reads each key of a hand-written config file' {
            Write-Config @"
# written by hand
secrets_backend: Corp
secret_name_template: dc-{source}-{field}
encryption_key_ref: "Corp/dc-key"
"@
            $config = Get-DcConfig -ErrorAction Stop
            $config.SecretVault | Should -BeExactly 'Corp'
            $config.SecretNameTemplate | Should -BeExactly 'dc-{source}-{field}'
            $config.EncryptionKeyRef | Should -BeExactly 'Corp/dc-key'
        }

        It 'reads an empty config file as the defaults' {
            Write-Config ''
            (Get-DcConfig -ErrorAction Stop).SecretNameTemplate | Should -BeExactly 'DataCompass-{source}-{field}'
        }
    }

    Context 'an invalid hand-written config file' {
        It 'fails with DcConfigInvalid naming an unknown key' {
            $path = Write-Config @"
secrets_backend: Corp
secret_vault: Other
"@
            $err = { Get-DcConfig -ErrorAction Stop } | Should -Throw -ErrorId (Get-ConfigErrorId 'DcConfigInvalid') -PassThru
            $err.CategoryInfo.Category | Should -Be 'InvalidData'
            $err.Exception.Message | Should -BeLike "*'secret_vault'*"
            $err.Exception.Message | Should -BeLike "*$path*"
        }

        It 'makes Add-DcSource with a literal secret fail with DcConfigInvalid too, writing nothing' {
            $vault = New-TestVault -Default
            Write-Config "secrets_bakend: $vault" | Out-Null
            $canary = New-Canary 'Literal'
            $connection = @{ host = 'db.example.com'; database = 'sales'; username = 'app'; password = $canary }
            $err = { Add-DcSource -Name 'prod' -Type postgresql -Connection $connection -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-ConfigErrorId 'DcConfigInvalid' 'Add-DcSource') -PassThru
            $err.Exception.Message | Should -BeLike "*'secrets_bakend'*"
            $err.Exception.Message | Should -Not -BeLike "*$canary*"
            @(Get-SecretInfo -Vault $vault).Count | Should -Be 0
            @(Get-CatalogSource).Count | Should -Be 0
        }

        It 'fails with DcConfigInvalid for malformed YAML' -TestCases @(
            @{ Case = 'an unclosed flow sequence'; Text = "secrets_backend: [Corp`nsecret_name_template: x" }
            @{ Case = 'an unclosed quote'; Text = "secrets_backend: 'Corp`n" }
            @{ Case = 'bad indentation'; Text = "secrets_backend: Corp`n  secret_name_template: x`n bad: [" }
            @{ Case = 'a list instead of a mapping'; Text = "- secrets_backend`n- Corp`n" }
            @{ Case = 'a tab-indented block'; Text = "secrets_backend:`n`t- Corp`n" }
        ) {
            param($Case, $Text)
            Write-Config $Text | Out-Null
            $err = { Get-DcConfig -ErrorAction Stop } | Should -Throw -ErrorId (Get-ConfigErrorId 'DcConfigInvalid') -PassThru
            $err.Exception.Message | Should -BeLike '*config.yaml*'
        }

        It 'fails with DcConfigInvalid when a key holds something other than text' {
            Write-Config "secrets_backend: [Corp, Other]`n" | Out-Null
            $err = { Get-DcConfig -ErrorAction Stop } | Should -Throw -ErrorId (Get-ConfigErrorId 'DcConfigInvalid') -PassThru
            $err.Exception.Message | Should -BeLike "*'secrets_backend'*"
        }

        It 'fails with DcConfigInvalid for an unusable secret name template, naming the key' {
            Write-Config "secret_name_template: DataCompass_{source}_{field}`n" | Out-Null
            $err = { Get-DcConfig -ErrorAction Stop } | Should -Throw -ErrorId (Get-ConfigErrorId 'DcConfigInvalid') -PassThru
            $err.Exception.Message | Should -BeLike "*'secret_name_template'*"
        }
    }

    Context 'its help' {
        It 'has examples that run when pasted in order and leave the session''s data folder as it was' {
            $examples = @((Get-Help Get-DcConfig -Full).examples.example)
            $examples.Count | Should -BeGreaterOrEqual 2
            Push-Location $TestDrive
            try {
                foreach ($example in $examples) {
                    $null = & ([scriptblock]::Create("`$ErrorActionPreference = 'Stop'; $($example.code)"))
                }
            }
            finally {
                Pop-Location
            }
            $env:DATACOMPASS_DATA_DIR | Should -BeExactly $script:DataDir
        }
    }
}
