# Encrypted values must open in any Fernet implementation. Where Python's cryptography package is installed
# (Debian: python3-cryptography), this checks it both ways against values DataCompass stored; elsewhere it is
# reported as skipped (the xUnit suite reads a Python-made token from a fixture on every machine).

BeforeDiscovery {
    $script:HasPythonFernet = $false
    if (Get-Command python3 -ErrorAction Ignore) {
        $null = & python3 -c 'import cryptography.fernet' 2>$null
        $script:HasPythonFernet = $LASTEXITCODE -eq 0
    }
}

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/RawSql.ps1
    . $PSScriptRoot/EncryptionHelpers.ps1
    Import-Module $script:DcModulePath
    $script:SavedKey = $env:DATACOMPASS_ENCRYPTION_KEY
}

AfterAll {
    Set-TestVariable DATACOMPASS_ENCRYPTION_KEY $script:SavedKey
}

Describe 'Fernet interoperability with Python cryptography' -Tag 'Integration' -Skip:(-not $script:HasPythonFernet) {
    BeforeEach {
        $script:Key = New-FernetKeyText
        Set-TestVariable DATACOMPASS_ENCRYPTION_KEY $script:Key
        $script:Db = Join-Path $TestDrive "interop-$(New-Guid).db"
    }

    It 'Python decrypts what DataCompass stored, and its key id is the SHA-256 rule' {
        $secret = (New-Canary 'pässwörd-🔑')
        Add-DcSource -Database $script:Db -Name p -Type postgresql -Encrypt -ErrorAction Stop -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = $secret }
        $stored = ((Invoke-RawSql -Database $script:Db -Sql 'SELECT connection_info FROM data_sources' -ReadOnly).connection_info | ConvertFrom-Json).password
        $python = 'import sys, base64, hashlib; from cryptography.fernet import Fernet; k = sys.argv[1].encode(); ' +
            '_, _, kid, tok = sys.argv[2].split(":", 3); print(kid == hashlib.sha256(base64.urlsafe_b64decode(k)).hexdigest()[:8]); ' +
            'print(Fernet(k).decrypt(tok.encode()).hex())'
        # The plaintext comes back as hex, so no console encoding stands between the two sides.
        $output = @(& python3 -c $python $script:Key $stored)
        $output[0] | Should -Be 'True'
        $output[1] | Should -BeExactly ([Convert]::ToHexString([Text.Encoding]::UTF8.GetBytes($secret)).ToLowerInvariant())
    }

    It 'DataCompass decrypts a value Python encrypted' {
        $secret = New-Canary 'från-python-🐍'
        $python = 'import sys, base64, hashlib; from cryptography.fernet import Fernet; k = sys.argv[1].encode(); ' +
            'print("enc:v1:" + hashlib.sha256(base64.urlsafe_b64decode(k)).hexdigest()[:8] + ":" + Fernet(k).encrypt(bytes.fromhex(sys.argv[2])).decode())'
        $stored = & python3 -c $python $script:Key ([Convert]::ToHexString([Text.Encoding]::UTF8.GetBytes($secret)))
        Add-DcSource -Database $script:Db -Name p -Type postgresql -ErrorAction Stop -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = $stored }
        (Get-DcSourceConnection -Database $script:Db p -AsPlainText -ErrorAction Stop).Settings['password'] | Should -BeExactly $secret
    }
}
