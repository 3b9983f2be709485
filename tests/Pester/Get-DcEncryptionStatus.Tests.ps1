#Requires -Version 7.4
# Get-DcEncryptionStatus: one DcEncryptionKeyStatus per key id (every key of the ring, Primary then Secondary, and every
# key id that stored values name but the ring lacks, NotInRing), counting the values under it and naming, as
# source.field, those no configured key opens; a warning names the unreadable values. Never a value or a token.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/RawSql.ps1
    . $PSScriptRoot/EncryptionHelpers.ps1
    Import-Module $script:DcModulePath -Force

    $script:EnvNames = @('DATACOMPASS_DATA_DIR', 'DATACOMPASS_ENCRYPTION_KEY')
    $script:SavedEnv = @{}
    foreach ($name in $script:EnvNames) { $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name) }

    function Add-EncryptedPg([string] $Name, [string] $Password = (New-Canary $Name)) {
        Add-DcSource -Name $Name -Type postgresql -Encrypt -ErrorAction Stop -Connection @{
            host = 'h'; database = 'sales'; username = 'app'; password = $Password
        }
    }

    function Get-Row([object[]] $Rows, [string] $KeyId) { $Rows | Where-Object KeyId -EQ $KeyId }
}

AfterAll {
    Restore-TestEnvironment
}

Describe 'Get-DcEncryptionStatus' -Tag 'Integration', 'Encryption' {
    BeforeEach {
        Restore-TestEnvironment
        $env:DATACOMPASS_DATA_DIR = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        $script:Database = Join-Path $env:DATACOMPASS_DATA_DIR 'datacompass.db'
        Set-TestVariable 'DATACOMPASS_ENCRYPTION_KEY' $null
        # Three keys: A and B in the ring (B primary), X only ever used to write a value.
        $script:Keys = @{ A = New-FernetKeyText; B = New-FernetKeyText; X = New-FernetKeyText }
        $script:Ids = @{}
        foreach ($name in $script:Keys.Keys) { $script:Ids[$name] = Get-FernetKeyId $script:Keys[$name] }
    }

    It 'declares DataCompass.DcEncryptionKeyStatus as its output type' {
        (Get-Command Get-DcEncryptionStatus).OutputType.Name | Should -Contain 'DataCompass.DcEncryptionKeyStatus'
    }

    It 'returns one row per key of the ring, primary first, with its origin, counts and fields' {
        $env:DATACOMPASS_ENCRYPTION_KEY = $script:Keys.A
        Add-EncryptedPg a1
        Add-EncryptedPg a2
        $env:DATACOMPASS_ENCRYPTION_KEY = "$($script:Keys.B),$($script:Keys.A)"
        Add-EncryptedPg b1
        Add-DcSource -Name plain -Type postgresql -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = '${DCT_STATUS_PW}' } -ErrorAction Stop

        $rows = @(Get-DcEncryptionStatus -WarningVariable warnings -ErrorAction Stop)
        $rows.Count | Should -Be 2
        $rows[0] | Should -BeOfType 'DataCompass.DcEncryptionKeyStatus'
        @($rows.KeyId) | Should -Be @($script:Ids.B, $script:Ids.A)
        @($rows.Role) | Should -Be @('Primary', 'Secondary')
        foreach ($row in $rows) { $row.Origin | Should -BeLike '*DATACOMPASS_ENCRYPTION_KEY*' }
        $rows[0].Values | Should -Be 1
        $rows[0].Fields | Should -Be @('b1.password')
        $rows[1].Values | Should -Be 2
        @($rows[1].Fields | Sort-Object) | Should -Be @('a1.password', 'a2.password')
        foreach ($row in $rows) { $row.Unreadable | Should -Be 0; $row.UnreadableFields | Should -BeNullOrEmpty }
        @($warnings) | Should -BeNullOrEmpty
    }

    It 'lists a key id the ring lacks as NotInRing with no origin, its values unreadable, and warns naming them' {
        $env:DATACOMPASS_ENCRYPTION_KEY = $script:Keys.X
        Add-EncryptedPg lost
        $env:DATACOMPASS_ENCRYPTION_KEY = $script:Keys.A
        Add-EncryptedPg kept

        $rows = @(Get-DcEncryptionStatus -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop)
        $missing = Get-Row $rows $script:Ids.X
        $missing.Role | Should -BeExactly 'NotInRing'
        $missing.Origin | Should -BeNullOrEmpty
        $missing.Values | Should -Be 1
        $missing.Unreadable | Should -Be 1
        $missing.UnreadableFields | Should -Be @('lost.password')
        (Get-Row $rows $script:Ids.A).Unreadable | Should -Be 0
        @($warnings).Count | Should -Be 1
        "$($warnings[0])" | Should -BeLike '*lost.password*'
        "$($warnings[0])" | Should -Not -BeLike '*kept.password*'
    }

    It 'counts a changed token under its key as unreadable, and a damaged value under (damaged)' {
        $env:DATACOMPASS_ENCRYPTION_KEY = $script:Keys.A
        Add-EncryptedPg good
        Add-EncryptedPg changed
        Add-EncryptedPg damaged
        Set-StoredField $script:Database changed password (Get-TamperedToken (Get-StoredField $script:Database changed password))
        Set-StoredField $script:Database damaged password 'enc:v1:garbage'

        $rows = @(Get-DcEncryptionStatus -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop)
        $a = Get-Row $rows $script:Ids.A
        $a.Role | Should -BeExactly 'Primary'
        $a.Values | Should -Be 2
        $a.UnreadableFields | Should -Be @('changed.password')
        $damaged = Get-Row $rows '(damaged)'
        $damaged.Role | Should -BeExactly 'NotInRing'
        $damaged.UnreadableFields | Should -Be @('damaged.password')
        "$($warnings[0])" | Should -BeLike '*changed.password*'
        "$($warnings[0])" | Should -BeLike '*damaged.password*'
    }

    It 'counts only the sources -Name matches (wildcards)' {
        $env:DATACOMPASS_ENCRYPTION_KEY = $script:Keys.A
        Add-EncryptedPg prod-eu
        Add-EncryptedPg prod-us
        Add-EncryptedPg test-eu
        $row = Get-DcEncryptionStatus -Name 'prod-*' -ErrorAction Stop
        @($row.Fields | Sort-Object) | Should -Be @('prod-eu.password', 'prod-us.password')
        (Get-DcEncryptionStatus -Name 'test-eu', 'prod-us').Values | Should -Be 2
    }

    It 'reports every value as NotInRing when no key is configured, and says so on the verbose stream' {
        $env:DATACOMPASS_ENCRYPTION_KEY = $script:Keys.A
        Add-EncryptedPg orphan
        Set-TestVariable 'DATACOMPASS_ENCRYPTION_KEY' $null
        $records = @(Get-DcEncryptionStatus -Verbose -WarningAction SilentlyContinue 4>&1)
        $rows = @($records | Where-Object { $_ -is [DataCompass.DcEncryptionKeyStatus] })
        $rows.Count | Should -Be 1
        $rows[0].KeyId | Should -BeExactly $script:Ids.A
        $rows[0].Role | Should -BeExactly 'NotInRing'
        $rows[0].UnreadableFields | Should -Be @('orphan.password')
        @($records | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like '*No encryption key*' }) | Should -Not -BeNullOrEmpty
    }

    It 'writes a non-terminating error for a key ring it cannot read, then still reports' -Skip:$IsWindows {
        $null = New-DcEncryptionKey -ErrorAction Stop
        Add-EncryptedPg prod
        chmod 644 (Join-Path $env:DATACOMPASS_DATA_DIR 'key')
        $rows = @(Get-DcEncryptionStatus -ErrorAction SilentlyContinue -ErrorVariable errors -WarningAction SilentlyContinue)
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcEncryptionKeyFileUnprotected' 'Get-DcEncryptionStatus')
        $rows.Count | Should -Be 1
        $rows[0].Role | Should -BeExactly 'NotInRing'
        $rows[0].Unreadable | Should -Be 1
    }

    It 'shows no value, token or key in its output, formatting or warning' {
        $canary = New-Canary 'status'
        $env:DATACOMPASS_ENCRYPTION_KEY = $script:Keys.A
        Add-EncryptedPg shown $canary
        $env:DATACOMPASS_ENCRYPTION_KEY = $script:Keys.B
        $token = (Read-EncryptedValue (Get-StoredField $script:Database shown password)).Token
        $text = Get-StreamText { Get-DcEncryptionStatus; Get-DcEncryptionStatus | Format-Table * -AutoSize | Out-String -Width 400 }
        $text | Should -BeLike '*shown.password*' -Because 'positive control: the report names the field'
        foreach ($secret in $canary, ($canary -split '-')[-1], $token.Substring(20, 30), $script:Keys.A, $script:Keys.B) {
            $text.Contains($secret) | Should -BeFalse
        }
    }
}
