#Requires -Version 7.4
# Get-DcSourceConnection with encrypted values (DESIGN.md, "Encryption at rest"): an enc:v1 value is decrypted at
# connection time with the key ring and comes back like any secret (SecureString, text with -AsPlainText, a PSCredential
# for user and password). A value the ring cannot open is a non-terminating error for that field alone, naming source,
# field and key id; the other fields still resolve. Tokens made by an independent Fernet implementation (and the
# Fernet specification's own test vector) decrypt too.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/RawSql.ps1
    . $PSScriptRoot/EncryptionHelpers.ps1
    Import-Module $script:DcModulePath -Force

    $script:EnvNames = @('DATACOMPASS_DATA_DIR', 'DATACOMPASS_ENCRYPTION_KEY', 'DCT_DEC_HOST')
    $script:SavedEnv = @{}
    foreach ($name in $script:EnvNames) { $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name) }

    function New-PgConnection($Password) {
        @{ host = '${DCT_DEC_HOST}'; database = 'sales'; username = 'app'; password = $Password }
    }

    function Get-PlainText([securestring] $Secure) { [System.Net.NetworkCredential]::new('', $Secure).Password }

    # The Fernet specification's test vector (github.com/fernet/spec, generate.json): this key and token give 'hello'.
    $script:VectorKey = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4='
    $script:VectorToken = 'gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA=='
}

AfterAll {
    Restore-TestEnvironment
}

Describe 'Get-DcSourceConnection with encrypted values' -Tag 'Integration', 'Encryption' {
    BeforeEach {
        Restore-TestEnvironment
        $script:DataDir = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        $env:DATACOMPASS_DATA_DIR = $script:DataDir
        $script:Database = Join-Path $script:DataDir 'datacompass.db'
        $env:DCT_DEC_HOST = 'pg01.example.com'
        $script:KeyA = New-FernetKeyText
        $env:DATACOMPASS_ENCRYPTION_KEY = $script:KeyA
    }

    Context 'decryption' {
        It 'returns an encrypted password as a SecureString and in the PSCredential, and as text with -AsPlainText' {
            $canary = New-Canary 'dec"pw'
            Add-DcSource -Name prod -Type postgresql -Connection (New-PgConnection $canary) -Encrypt -ErrorAction Stop

            $connection = Get-DcSourceConnection -Name prod -ErrorAction Stop
            $connection.Settings['password'] | Should -BeOfType [securestring]
            Get-PlainText $connection.Settings['password'] | Should -BeExactly $canary
            $connection.Credential | Should -BeOfType [pscredential]
            $connection.Credential.UserName | Should -BeExactly 'app'
            $connection.Credential.GetNetworkCredential().Password | Should -BeExactly $canary
            $connection.Settings['host'] | Should -BeExactly 'pg01.example.com' -Because 'references beside it resolve as usual'
            (Get-DcSourceConnection -Name prod -AsPlainText -ErrorAction Stop).Settings['password'] | Should -BeExactly $canary
        }

        It 'returns encrypted databricks secrets as SecureStrings' {
            $token = New-Canary 'tok'
            $secret = New-Canary 'cs'
            Add-DcSource -Name dbx -Type databricks -Encrypt -ErrorAction Stop -Connection @{
                host = 'adb-1.azuredatabricks.net'; http_path = '/sql/1.0/warehouses/a'; catalog = 'main'
                auth_method = 'service_principal'; client_id = 'app-id'; tenant_id = 'tenant-id'; access_token = $token; client_secret = $secret
            }
            $settings = (Get-DcSourceConnection -Name dbx -ErrorAction Stop).Settings
            $settings['access_token'] | Should -BeOfType [securestring]
            Get-PlainText $settings['access_token'] | Should -BeExactly $token
            Get-PlainText $settings['client_secret'] | Should -BeExactly $secret
        }

        It 'decrypts with a secondary key of the ring, and encrypts new values with the primary' {
            $old = New-Canary 'old'
            Add-DcSource -Name old -Type postgresql -Connection (New-PgConnection $old) -Encrypt -ErrorAction Stop
            $keyB = New-FernetKeyText
            $env:DATACOMPASS_ENCRYPTION_KEY = "$keyB,$($script:KeyA)"
            Add-DcSource -Name new -Type postgresql -Connection (New-PgConnection (New-Canary 'new')) -Encrypt -ErrorAction Stop

            (Read-EncryptedValue (Get-StoredField $script:Database old password)).KeyId | Should -BeExactly (Get-FernetKeyId $script:KeyA)
            (Read-EncryptedValue (Get-StoredField $script:Database new password)).KeyId | Should -BeExactly (Get-FernetKeyId $keyB)
            (Get-DcSourceConnection -Name old -AsPlainText -ErrorAction Stop).Settings['password'] | Should -BeExactly $old
        }

        It 'decrypts a token made by another Fernet implementation, and the Fernet specification''s test vector' {
            Add-DcSource -Name foreign -Type postgresql -Connection (New-PgConnection '${DCT_UNUSED}') -ErrorAction Stop
            Add-DcSource -Name vector -Type postgresql -Connection (New-PgConnection '${DCT_UNUSED}') -ErrorAction Stop
            $canary = New-Canary 'foreign ö'
            Set-StoredField $script:Database foreign password ('enc:v1:{0}:{1}' -f (Get-FernetKeyId $script:KeyA), (New-FernetToken -Key $script:KeyA -Plaintext ([Text.Encoding]::UTF8.GetBytes($canary))))
            Set-StoredField $script:Database vector password ('enc:v1:{0}:{1}' -f (Get-FernetKeyId $script:VectorKey), $script:VectorToken)
            $env:DATACOMPASS_ENCRYPTION_KEY = "$($script:KeyA),$($script:VectorKey)"

            (Get-DcSourceConnection -Name foreign -AsPlainText -ErrorAction Stop).Settings['password'] | Should -BeExactly $canary
            (Get-DcSourceConnection -Name vector -AsPlainText -ErrorAction Stop).Settings['password'] | Should -BeExactly 'hello'
        }

        It 'writes tokens another Fernet implementation opens, under the key id of the raw key' {
            $canary = New-Canary 'interop'
            Add-DcSource -Name prod -Type postgresql -Connection (New-PgConnection $canary) -Encrypt -ErrorAction Stop
            $parsed = Read-EncryptedValue (Get-StoredField $script:Database prod password)
            $parsed.KeyId | Should -BeExactly (Get-FernetKeyId $script:KeyA)
            (ConvertFrom-UrlSafeBase64 $parsed.Token)[0] | Should -Be 0x80 -Because 'Fernet version byte'
            Read-FernetToken -Key $script:KeyA -Token $parsed.Token | Should -BeExactly $canary
        }
    }

    Context 'values the key ring cannot open' {
        It 'reports a value whose key is not in the ring as DcEncryptionKeyMissing naming source, field and key id; and no connection comes out' {
            $canary = New-Canary 'lost'
            Add-DcSource -Name lost -Type postgresql -Connection (New-PgConnection $canary) -Encrypt -ErrorAction Stop
            $keyB = New-FernetKeyText
            $env:DATACOMPASS_ENCRYPTION_KEY = $keyB
            $missingId = Get-FernetKeyId $script:KeyA

            $connection = Get-DcSourceConnection -Name lost -ErrorAction SilentlyContinue -ErrorVariable errors
            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcEncryptionKeyMissing' 'Get-DcSourceConnection')
            "$($errors[0].CategoryInfo.Category)" | Should -Be 'ObjectNotFound'
            $errors[0].Exception.Message | Should -BeLike "*'lost'*"
            $errors[0].Exception.Message | Should -BeLike "*'password'*"
            $errors[0].Exception.Message | Should -BeLike "*$missingId*"
            $errors[0].Exception.Message | Should -BeLike "*$(Get-FernetKeyId $keyB)*" -Because 'it says which keys the ring holds'
            $token = (Read-EncryptedValue (Get-StoredField $script:Database lost password)).Token
            Assert-NoValue $errors[0] @($canary, $script:KeyA, $keyB)
            (Get-ErrorText $errors[0]) -join "`n" | Should -Not -BeLike "*$($token.Substring(20, 30))*" -Because 'the token is not shown either'

            $connection | Should -BeNullOrEmpty -Because 'a source that did not fully resolve gives no connection'
        }

        It 'reports DcEncryptionKeyMissing when no key is configured at all' {
            Add-DcSource -Name nokey -Type postgresql -Connection (New-PgConnection (New-Canary 'nokey')) -Encrypt -ErrorAction Stop
            Set-TestVariable 'DATACOMPASS_ENCRYPTION_KEY' $null
            $connection = Get-DcSourceConnection -Name nokey -ErrorAction SilentlyContinue -ErrorVariable errors
            $errors[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcEncryptionKeyMissing' 'Get-DcSourceConnection')
            $errors[0].Exception.Message | Should -BeLike "*$(Get-FernetKeyId $script:KeyA)*"
            $connection | Should -BeNullOrEmpty
        }

        It 'reports a changed token as DcDecryptionFailed and a damaged value as DcDecryptionFailed, per field' {
            Add-DcSource -Name changed -Type postgresql -Connection (New-PgConnection (New-Canary 'changed')) -Encrypt -ErrorAction Stop
            Add-DcSource -Name damaged -Type postgresql -Connection (New-PgConnection (New-Canary 'damaged')) -Encrypt -ErrorAction Stop
            Set-StoredField $script:Database changed password (Get-TamperedToken (Get-StoredField $script:Database changed password))
            Set-StoredField $script:Database damaged password 'enc:v1:not-a-value'

            foreach ($name in 'changed', 'damaged') {
                $connection = Get-DcSourceConnection -Name $name -ErrorAction SilentlyContinue -ErrorVariable errors
                $errors.Count | Should -Be 1
                $errors[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcDecryptionFailed' 'Get-DcSourceConnection')
                "$($errors[0].CategoryInfo.Category)" | Should -Be 'InvalidData'
                $errors[0].Exception.Message | Should -BeLike "*'$name'*'password'*"
                $connection | Should -BeNullOrEmpty
            }
        }

        It 'reports a value that decrypts to bytes that are not UTF-8 text as DcDecryptionFailed' {
            Add-DcSource -Name binary -Type postgresql -Connection (New-PgConnection '${DCT_UNUSED}') -ErrorAction Stop
            Set-StoredField $script:Database binary password ('enc:v1:{0}:{1}' -f (Get-FernetKeyId $script:KeyA), (New-FernetToken -Key $script:KeyA -Plaintext ([byte[]] (0xff, 0xfe, 0xc3))))
            $null = Get-DcSourceConnection -Name binary -ErrorAction SilentlyContinue -ErrorVariable errors
            $errors[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcDecryptionFailed' 'Get-DcSourceConnection')
        }

        It 'still resolves the other sources of the same call, and stops at the first failure under -ErrorAction Stop' {
            $good = New-Canary 'good'
            Add-DcSource -Name good -Type postgresql -Connection (New-PgConnection $good) -Encrypt -ErrorAction Stop
            $env:DATACOMPASS_ENCRYPTION_KEY = New-FernetKeyText
            Add-DcSource -Name other -Type postgresql -Connection (New-PgConnection (New-Canary 'other')) -Encrypt -ErrorAction Stop
            $env:DATACOMPASS_ENCRYPTION_KEY = $script:KeyA

            $connections = @(Get-DcSourceConnection -Name good, other -AsPlainText -ErrorAction SilentlyContinue -ErrorVariable errors)
            $errors.Count | Should -Be 1
            $connections.Name | Should -Be @('good')
            $connections[0].Settings['password'] | Should -BeExactly $good
            { Get-DcSourceConnection -Name other -ErrorAction Stop } | Should -Throw -ErrorId (Get-DcErrorId 'DcEncryptionKeyMissing' 'Get-DcSourceConnection')
        }

        It 'reports a key file others can read (DcEncryptionKeyFileUnprotected) for the field, without using it' -Skip:$IsWindows {
            Set-TestVariable 'DATACOMPASS_ENCRYPTION_KEY' $null
            $null = New-DcEncryptionKey -ErrorAction Stop
            Add-DcSource -Name prod -Type postgresql -Connection (New-PgConnection (New-Canary 'open')) -Encrypt -ErrorAction Stop
            chmod 644 (Join-Path $script:DataDir 'key')
            $connection = Get-DcSourceConnection -Name prod -ErrorAction SilentlyContinue -ErrorVariable errors
            $errors[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcEncryptionKeyFileUnprotected' 'Get-DcSourceConnection')
            "$($errors[0].CategoryInfo.Category)" | Should -Be 'SecurityError'
            $connection | Should -BeNullOrEmpty
        }
    }
}
