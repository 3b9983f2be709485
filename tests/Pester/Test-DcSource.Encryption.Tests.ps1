#Requires -Version 7.4
# Test-DcSource with encrypted values: one DcReferenceTest per encrypted field, Kind 'Encrypted', Reference
# 'enc:v1:<keyId>' (never the token), and Status Ok, KeyMissing or DecryptionFailed, found by opening the value with the
# key ring and dropping the plaintext.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/RawSql.ps1
    . $PSScriptRoot/EncryptionHelpers.ps1
    Import-Module $script:DcModulePath -Force

    $script:EnvNames = @('DATACOMPASS_DATA_DIR', 'DATACOMPASS_ENCRYPTION_KEY', 'DCT_CHK_HOST')
    $script:SavedEnv = @{}
    foreach ($name in $script:EnvNames) { $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name) }

    function Add-EncryptedPg([string] $Name, [string] $Password) {
        Add-DcSource -Name $Name -Type postgresql -Encrypt -ErrorAction Stop -Connection @{
            host = '${DCT_CHK_HOST}'; database = 'sales'; username = 'app'; password = $Password
        }
    }
}

AfterAll {
    Restore-TestEnvironment
}

Describe 'Test-DcSource with encrypted values' -Tag 'Integration', 'Encryption' {
    BeforeEach {
        Restore-TestEnvironment
        $env:DATACOMPASS_DATA_DIR = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        $script:Database = Join-Path $env:DATACOMPASS_DATA_DIR 'datacompass.db'
        $env:DCT_CHK_HOST = 'pg01'
        $script:KeyA = New-FernetKeyText
        $script:IdA = Get-FernetKeyId $script:KeyA
        $env:DATACOMPASS_ENCRYPTION_KEY = $script:KeyA
    }

    It 'returns one Ok row per encrypted field: Kind Encrypted, Reference enc:v1:(key id), no token and no value' {
        $canaries = @{ token = (New-Canary 'tok'); secret = (New-Canary 'cs') }
        Add-DcSource -Name dbx -Type databricks -Encrypt -ErrorAction Stop -Connection @{
            host = 'adb-1.azuredatabricks.net'; http_path = '/sql/1.0/warehouses/a'; catalog = 'main'
            auth_method = 'service_principal'; client_id = 'app-id'; tenant_id = 'tenant-id'; access_token = $canaries.token; client_secret = $canaries.secret
        }

        $rows = @(Test-DcSource -Name dbx -ErrorAction Stop)
        $rows.Count | Should -Be 2
        @($rows.Field | Sort-Object) | Should -Be @('access_token', 'client_secret')
        foreach ($row in $rows) {
            $row | Should -BeOfType 'DataCompass.DcReferenceTest'
            $row.Kind | Should -BeExactly 'Encrypted'
            $row.Reference | Should -BeExactly "enc:v1:$($script:IdA)"
            "$($row.Status)" | Should -Be 'Ok'
            $row.Resolvable | Should -BeTrue
        }
        $shown = ($rows | Format-List * | Out-String -Width 400) + ($rows | ConvertTo-Json -Depth 3)
        foreach ($field in 'access_token', 'client_secret') {
            $token = (Read-EncryptedValue (Get-StoredField $script:Database dbx $field)).Token
            $shown.Contains($token.Substring(20, 30)) | Should -BeFalse
        }
        foreach ($value in $canaries.Values) { $shown.Contains(($value -split '-')[-1]) | Should -BeFalse }
        Test-DcSource -Name dbx -Quiet | Should -BeTrue
    }

    It 'lists an encrypted field beside the source''s other references' {
        Add-EncryptedPg prod (New-Canary 'pw')
        $rows = @(Test-DcSource -Name prod)
        @($rows | ForEach-Object { '{0}:{1}:{2}' -f $_.Field, $_.Kind, $_.Status }) | Should -Be @('host:Env:Ok', 'password:Encrypted:Ok')
    }

    It 'reports KeyMissing for a value whose key is not in the ring, and for any value when no key is configured' {
        Add-EncryptedPg lost (New-Canary 'lost')
        $env:DATACOMPASS_ENCRYPTION_KEY = New-FernetKeyText
        $row = Test-DcSource -Name lost | Where-Object Field -EQ 'password'
        "$($row.Status)" | Should -Be 'KeyMissing'
        $row.Kind | Should -BeExactly 'Encrypted'
        $row.Reference | Should -BeExactly "enc:v1:$($script:IdA)"
        $row.Resolvable | Should -BeFalse
        $row.Message | Should -BeLike "*$($script:IdA)*"
        Test-DcSource -Name lost -Quiet | Should -BeFalse

        Set-TestVariable 'DATACOMPASS_ENCRYPTION_KEY' $null
        "$((Test-DcSource -Name lost | Where-Object Field -EQ 'password').Status)" | Should -Be 'KeyMissing'
    }

    It 'reports DecryptionFailed for a changed token and for a damaged value' {
        Add-EncryptedPg changed (New-Canary 'changed')
        Add-EncryptedPg damaged (New-Canary 'damaged')
        Set-StoredField $script:Database changed password (Get-TamperedToken (Get-StoredField $script:Database changed password))
        Set-StoredField $script:Database damaged password 'enc:v1:zz'

        $changed = Test-DcSource -Name changed | Where-Object Field -EQ 'password'
        "$($changed.Status)" | Should -Be 'DecryptionFailed'
        $changed.Reference | Should -BeExactly "enc:v1:$($script:IdA)"
        $changed.Kind | Should -BeExactly 'Encrypted'
        "$((Test-DcSource -Name damaged | Where-Object Field -EQ 'password').Status)" | Should -Be 'DecryptionFailed'
    }

    It 'checks every source in one call: each encrypted value has its own status' {
        Add-EncryptedPg ok (New-Canary 'ok')
        $env:DATACOMPASS_ENCRYPTION_KEY = New-FernetKeyText
        Add-EncryptedPg other (New-Canary 'other')
        $env:DATACOMPASS_ENCRYPTION_KEY = $script:KeyA
        $rows = @(Test-DcSource | Where-Object Kind -EQ 'Encrypted')
        @($rows | ForEach-Object { '{0}:{1}' -f $_.Source, $_.Status }) | Should -Be @('ok:Ok', 'other:KeyMissing')
    }

    It 'reports KeyUnusable, naming source and field, when the configured ring cannot be used' {
        Add-EncryptedPg -Name pg -Password (New-Canary 'unusable')
        $env:DATACOMPASS_ENCRYPTION_KEY = 'not-a-fernet-key'
        $row = Test-DcSource -Name pg -ErrorAction Stop | Where-Object Kind -EQ 'Encrypted'
        "$($row.Status)" | Should -Be 'KeyUnusable'
        $row.Resolvable | Should -BeFalse
        $row.Message | Should -BeLike "Source 'pg', field 'password'*"
        $row.Message | Should -Not -BeLike '*not-a-fernet-key*'
    }
}
