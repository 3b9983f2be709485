#Requires -Version 7.4
# The secret-leak sweep for encryption at rest. One child pwsh, with a transcript and every preference variable at
# Continue, adds sources whose secrets are unique canaries and are stored encrypted: typed into YAML with no vault
# (step 3), forced with -Encrypt, resolved from a variable with -ResolveNow, given as a SecureString; one under a key
# the ring later lacks, one damaged, one copied into an integer field. It shows, resolves (without -AsPlainText),
# checks and reports them, rotates the key (New-DcEncryptionKey, Update-DcEncryptionKey) and converts one into a vault,
# and triggers the refusals with a canary in flight. Then every file that could hold a secret is searched for every
# canary (verbatim and by its GUID part, which also finds JSON-escaped and URL-encoded copies) and for every key: the
# data folder (db, -wal, -shm, config.yaml, key file), the transcript, the captured streams, the $Error dump and the
# child's stdout. Positive controls: the canaries ARE in the -AsPlainText output, the converted one IS in the vault, the
# database's tokens DO decrypt to them with the key file's key, and the key file DOES hold the keys.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/VaultHelpers.ps1
    . $PSScriptRoot/RawSql.ps1
    . $PSScriptRoot/EncryptionHelpers.ps1
    Import-Module $script:DcModulePath -Force

    # Secrets that are stored encrypted, and resolve.
    $script:Resolvable = [ordered]@{
        NoVaultYaml   = New-Canary 'nv"pw/ö+'
        EncryptToken  = New-Canary 'dapi\tok'
        ResolveNowPw  = New-Canary 'sf pw&='
        SecureLiteral = New-Canary 'sec<ure>'
        ConvertedPw   = New-Canary 'conv"pw'
    }
    # Secrets that are stored encrypted but cannot be (or are not) resolved in the end.
    $script:Unresolvable = [ordered]@{
        SwappedPw = New-Canary 'port%pw'
        OrphanPw  = New-Canary 'orphan"x'
        DamagedPw = New-Canary 'damaged\pw'
    }
    # Secrets that must end up nowhere at all: refused, or only planned with -WhatIf.
    $script:Refused = [ordered]@{
        RefusedPlain   = New-Canary 'refused'
        RefusedEncrypt = New-Canary 'refused enc'
        WhatIfLiteral  = New-Canary 'what"if'
    }
    $script:Canaries = [ordered]@{}
    foreach ($table in $script:Resolvable, $script:Unresolvable, $script:Refused) { foreach ($key in $table.Keys) { $script:Canaries[$key] = $table[$key] } }
    $script:ForeignKey = New-FernetKeyText

    $script:SkipReason = if (Get-DefaultVaultName) { 'a default vault is registered, so "no vault available" cannot be set up' }
    $script:TestVaults = [System.Collections.Generic.List[string]]::new()
    if (-not $script:SkipReason) {
        # Not the default vault: it is only the target of Convert-DcSourceSecret -Vault.
        $script:Vault = New-TestVault
        $script:TestVaults.Add($script:Vault)
    }

    $root = Join-Path $TestDrive 'encryptioncanary'
    $script:DataDir = Join-Path $root 'data'
    $script:Database = Join-Path $script:DataDir 'datacompass.db'
    $script:OutDir = Join-Path $root 'out'
    $script:InDir = Join-Path $root 'in'
    $null = New-Item -ItemType Directory -Path $script:OutDir, $script:InDir
    [IO.File]::WriteAllText((Join-Path $script:InDir 'pg.yaml'),
        "host: pg.example.com`ndatabase: app`nusername: alice`npassword: '$($script:Resolvable.NoVaultYaml)'`n", [Text.UTF8Encoding]::new($false))

    $child = @'
$ErrorActionPreference = 'Continue'
$PSStyle.OutputRendering = 'PlainText'
$out = $env:DCTEST_OUT
$in = $env:DCTEST_IN
$vault = $env:DCTEST_VAULT
$db = Join-Path $env:DATACOMPASS_DATA_DIR 'datacompass.db'
$null = Start-Transcript -Path (Join-Path $out 'transcript.txt')

$VerbosePreference = 'Continue'
$DebugPreference = 'Continue'
$InformationPreference = 'Continue'
$WarningPreference = 'Continue'
$ProgressPreference = 'Continue'
Import-Module $env:DCTEST_MODULE
if (-not (Get-Module Microsoft.PowerShell.SecretManagement)) { Import-Module Microsoft.PowerShell.SecretManagement }
# Raw access to stored values, for the damaged and swapped ones (Microsoft.Data.Sqlite from the module's deps/).
$DcModulePath = $env:DCTEST_MODULE
. $env:DCTEST_RAWSQL
. $env:DCTEST_HELPERS

$pg = { param($password) @{ host = 'pg.example.com'; database = 'app'; username = 'alice'; password = $password } }
$steps = @(
    # No vault and no key yet: a literal secret is refused, and so is -Encrypt; there is nothing to rotate.
    { Add-DcSource -Name refused -Type postgresql -Connection (& $pg $env:DCT_REFUSED_PLAIN) }
    { Add-DcSource -Name refusedenc -Type postgresql -Connection (& $pg $env:DCT_REFUSED_ENCRYPT) -Encrypt }
    { Update-DcEncryptionKey }

    # Key A in the key file; literal secrets stored encrypted, every way in.
    { New-DcEncryptionKey }
    { Set-DcConfig -SecretNameTemplate 'DataCompass-{source}-{field}' -PassThru }
    { Add-DcSource -Name pg -Type postgresql -Path "$in/pg.yaml" -PassThru }
    { Add-DcSource -Name dbx -Type databricks -Encrypt -Vault $vault -PassThru -Connection @{ host = 'adb-1.azuredatabricks.net'; http_path = '/sql/1.0/warehouses/a'; catalog = 'main'; access_token = $env:DCT_ENCRYPT_TOKEN } }
    { Add-DcSource -Name sf -Type snowflake -ResolveNow -PassThru -Connection @{ account = 'acme'; warehouse = 'WH'; database = 'DB'; username = 'svc'; password = '${DCT_RESOLVE_NOW}' } }
    { Add-DcSource -Name sec -Type postgresql -Encrypt -PassThru -Connection (& $pg (ConvertTo-SecureString $env:DCT_SECURE -AsPlainText -Force)) }
    { Add-DcSource -Name conv -Type postgresql -Encrypt -PassThru -Connection (& $pg $env:DCT_CONVERTED) }
    { Add-DcSource -Name swapped -Type postgresql -Encrypt -PassThru -Connection (& $pg $env:DCT_SWAPPED) }
    { Add-DcSource -Name damaged -Type postgresql -Encrypt -PassThru -Connection (& $pg $env:DCT_DAMAGED) }
    { Add-DcSource -Name whatif -Type postgresql -Encrypt -WhatIf -Connection (& $pg $env:DCT_WHATIF) }
    { Add-DcSource -Name pg -Type postgresql -Encrypt -Connection (& $pg $env:DCT_WHATIF) }
    # An encrypted secret in an integer field; a changed token.
    { Set-StoredField $db swapped port (Get-StoredField $db swapped password) }
    { Set-StoredField $db damaged password (Get-TamperedToken (Get-StoredField $db damaged password)) }
    # A value under a key that the ring will not hold.
    { $env:DATACOMPASS_ENCRYPTION_KEY = $env:DCT_FOREIGN_KEY; Add-DcSource -Name orphan -Type postgresql -Encrypt -PassThru -Connection (& $pg $env:DCT_ORPHAN); $env:DATACOMPASS_ENCRYPTION_KEY = $null }

    # Showing them, every usual way.
    { Get-DcSource }
    { Get-DcSource | Format-Table -AutoSize | Out-String -Width 400 }
    { Get-DcSource | Format-List * | Out-String -Width 400 }
    { Get-DcSource | ForEach-Object Fields | Format-Table -AutoSize | Out-String -Width 400 }
    { Get-DcSource | ConvertTo-Json -Depth 6 }
    { Get-DcSource | ForEach-Object { $_.ToString(); $_.Fields | ForEach-Object { $_.ToString() } } }

    # Resolving them without -AsPlainText, every usual way; and the ones that fail.
    { Get-DcSourceConnection -Name pg, dbx, sf, sec, conv }
    { Get-DcSourceConnection -Name pg, dbx, sf, sec, conv | Format-List * | Out-String -Width 400 }
    { Get-DcSourceConnection -Name pg, dbx, sf, sec, conv | Format-Table -AutoSize | Out-String -Width 400 }
    { Get-DcSourceConnection -Name pg, dbx, sf, sec, conv | ForEach-Object { $_.Settings | Out-String -Width 400; $_.Credential | Format-List * | Out-String; "$_" } }
    { Get-DcSourceConnection -Name pg, dbx, sf, sec, conv | ConvertTo-Json -Depth 4 }
    { Get-DcSourceConnection -Name orphan, damaged, swapped, pg }
    { Get-DcSourceConnection -Name orphan -ErrorAction Stop }

    # Checks and status.
    { Test-DcSource }
    { Test-DcSource | Format-List * | Out-String -Width 400 }
    { Test-DcSource | ConvertTo-Json -Depth 4 }
    { Test-DcSource -Quiet }
    { Get-DcEncryptionStatus }
    { Get-DcEncryptionStatus | Format-List * | Out-String -Width 400 }
    { Get-DcEncryptionStatus | ConvertTo-Json -Depth 4 }

    # Rotation: key B in front, every value moved to it (the orphan and the damaged one cannot be).
    { New-DcEncryptionKey | Format-List * | Out-String -Width 400 }
    { Update-DcEncryptionKey -WhatIf }
    { Update-DcEncryptionKey -BatchSize 2 | Format-List * | Out-String -Width 400 }
    { Get-DcEncryptionStatus | Format-Table -AutoSize | Out-String -Width 400 }

    # Conversion into the vault, beside a value no key opens.
    { Convert-DcSourceSecret -Name conv, orphan -Vault $vault -WhatIf }
    { Convert-DcSourceSecret -Name conv, orphan -Vault $vault -Confirm:$false | Format-List * | Out-String -Width 400 }
    { Get-DcSourceConnection -Name conv, pg | Format-List * | Out-String -Width 400 }
    { Get-DcEncryptionStatus }
)

. $env:DCTEST_SWEEP
$errorIds = Invoke-CanarySweep -Steps $steps -Out $out
$VerbosePreference = 'SilentlyContinue'
$DebugPreference = 'SilentlyContinue'
$InformationPreference = 'SilentlyContinue'
$WarningPreference = 'SilentlyContinue'

# Positive control, outside every capture: -AsPlainText shows the values (written to a file that is not swept).
Get-DcSourceConnection -Name pg, dbx, sf, sec, conv -AsPlainText | ForEach-Object { $_.Settings | Out-String -Width 400 } |
    Set-Content -Path (Join-Path $out 'plaintext.txt')
$plain = { param($secure) [System.Net.NetworkCredential]::new('', $secure).Password }
$result = @{
    ErrorIds = $errorIds
    Resolved = @{
        pg   = ((Get-DcSourceConnection -Name pg).Credential.GetNetworkCredential().Password -ceq $env:DCT_CHECK_PG)
        dbx  = ((& $plain (Get-DcSourceConnection -Name dbx).Settings['access_token']) -ceq $env:DCT_ENCRYPT_TOKEN)
        sf   = ((Get-DcSourceConnection -Name sf).Credential.GetNetworkCredential().Password -ceq $env:DCT_CHECK_SF)
        sec  = ((Get-DcSourceConnection -Name sec).Credential.GetNetworkCredential().Password -ceq $env:DCT_SECURE)
        conv = ((Get-DcSourceConnection -Name conv).Credential.GetNetworkCredential().Password -ceq $env:DCT_CONVERTED)
    }
    Names = @(Get-DcSource | ForEach-Object Name)
    Provenance = @(Get-DcSource | ForEach-Object { $s = $_.Name; $_.Fields | Where-Object IsSecret | Where-Object Value | ForEach-Object { '{0}.{1}={2}' -f $s, $_.Name, $_.Provenance } })
    Status = @(Get-DcEncryptionStatus -WarningAction SilentlyContinue | ForEach-Object { '{0}:{1}:{2}:{3}' -f $_.KeyId, $_.Role, $_.Values, $_.Unreadable })
}
'RESULT:' + ($result | ConvertTo-Json -Compress -Depth 4)
'@

    if (-not $script:SkipReason) {
        $script:Run = Invoke-ChildPwsh -Script $child -Environment @{
            DCTEST_SWEEP               = (Join-Path $PSScriptRoot 'CanarySweep.ps1')
            DCTEST_RAWSQL              = (Join-Path $PSScriptRoot 'RawSql.ps1')
            DCTEST_HELPERS             = (Join-Path $PSScriptRoot 'EncryptionHelpers.ps1')
            DCTEST_MODULE              = (Resolve-Path -LiteralPath $script:DcModulePath).Path
            DCTEST_OUT                 = $script:OutDir
            DCTEST_IN                  = $script:InDir
            DCTEST_VAULT               = $script:Vault
            DATACOMPASS_DATA_DIR       = $script:DataDir
            DATACOMPASS_ENCRYPTION_KEY = [NullString]::Value
            DCT_REFUSED_PLAIN          = $script:Refused.RefusedPlain
            DCT_REFUSED_ENCRYPT        = $script:Refused.RefusedEncrypt
            DCT_WHATIF                 = $script:Refused.WhatIfLiteral
            DCT_ENCRYPT_TOKEN          = $script:Resolvable.EncryptToken
            DCT_RESOLVE_NOW            = $script:Resolvable.ResolveNowPw
            DCT_SECURE                 = $script:Resolvable.SecureLiteral
            DCT_CONVERTED              = $script:Resolvable.ConvertedPw
            DCT_SWAPPED                = $script:Unresolvable.SwappedPw
            DCT_DAMAGED                = $script:Unresolvable.DamagedPw
            DCT_ORPHAN                 = $script:Unresolvable.OrphanPw
            DCT_FOREIGN_KEY            = $script:ForeignKey
            # Only for the positive control at the end of the child (compared there, never printed).
            DCT_CHECK_PG               = $script:Resolvable.NoVaultYaml
            DCT_CHECK_SF               = $script:Resolvable.ResolveNowPw
        }
        $script:StdoutFile = Join-Path $script:OutDir 'stdout.txt'
        Set-Content -Path $script:StdoutFile -Value $script:Run.Text
        $line = @($script:Run.Output | Where-Object { $_ -like 'RESULT:*' }) | Select-Object -Last 1
        $script:Result = if ($line) { $line.Substring('RESULT:'.Length) | ConvertFrom-Json } else { $null }
        $script:KeyFile = Join-Path $script:DataDir 'key'
        $script:RingKeys = if (Test-Path -LiteralPath $script:KeyFile) { @(([IO.File]::ReadAllText($script:KeyFile)) -split '[,\r\n]' | ForEach-Object Trim | Where-Object { $_ }) } else { @() }
    }

    function Skip-WhenNotRun {
        if ($script:SkipReason) { Set-ItResult -Skipped -Because $script:SkipReason; return $true }
        return $false
    }

    function Find-Key([string[]] $Path) {
        # Every key of the ring and the foreign key: verbatim, without padding, and in standard base64.
        $keys = [ordered]@{ Foreign = $script:ForeignKey }
        for ($i = 0; $i -lt $script:RingKeys.Count; $i++) { $keys["Ring$i"] = $script:RingKeys[$i] }
        foreach ($file in $Path) {
            foreach ($entry in $keys.GetEnumerator()) {
                foreach ($form in $entry.Value, $entry.Value.TrimEnd('='), $entry.Value.Replace('-', '+').Replace('_', '/')) {
                    if (Test-BytesContain -Path $file -Text $form) { "key $($entry.Key) in $file" }
                }
            }
        }
    }

    function Get-SweptFiles {
        @(Get-ChildItem -Path $script:DataDir -Recurse -File -Force | Where-Object Name -NE 'key' | ForEach-Object FullName) +
        @('transcript.txt', 'streams.txt', 'errors.txt', 'stdout.txt' | ForEach-Object { Join-Path $script:OutDir $_ })
    }
}

AfterAll {
    Remove-TestVault -Name @($script:TestVaults)
}

Describe 'No secret value or key leaks from encryption at rest' -Tag 'Integration', 'Encryption', 'Vault' {
    It 'ran the sweep: the child finished, added the sources and resolved every encrypted canary' {
        if (Skip-WhenNotRun) { return }
        $script:Result | Should -Not -BeNullOrEmpty -Because $script:Run.Text
        $script:Run.ExitCode | Should -Be 0 -Because $script:Run.Text
        foreach ($name in 'pg', 'dbx', 'sf', 'sec', 'conv') {
            $script:Result.Resolved.$name | Should -BeTrue -Because "source '$name' resolves to its canary"
        }
        @($script:Result.Names | Sort-Object) | Should -Be @('conv', 'damaged', 'dbx', 'orphan', 'pg', 'sec', 'sf', 'swapped')
        @($script:Result.Provenance | Sort-Object) | Should -Be @('conv.password=Vault', 'damaged.password=Encrypted', 'dbx.access_token=Encrypted',
            'orphan.password=Encrypted', 'pg.password=Encrypted', 'sec.password=Encrypted', 'sf.password=Encrypted', 'swapped.password=Encrypted')
    }

    It 'rotated every readable value to the new primary key and left only the orphan and the damaged value behind' {
        if (Skip-WhenNotRun) { return }
        $script:RingKeys.Count | Should -Be 2
        $primary = Get-FernetKeyId $script:RingKeys[0]
        $old = Get-FernetKeyId $script:RingKeys[1]
        $status = @($script:Result.Status)
        # pg, dbx, sf, sec, swapped (password and port) under the primary; the damaged one stays under A, unreadable.
        $status | Should -Contain "${primary}:Primary:6:0"
        $status | Should -Contain "${old}:Secondary:1:1"
        $status | Should -Contain "$(Get-FernetKeyId $script:ForeignKey):NotInRing:1:1"
    }

    It 'triggered the errors it meant to' {
        if (Skip-WhenNotRun) { return }
        $ids = @($script:Result.ErrorIds)
        foreach ($expected in @(
                (Get-DcErrorId 'DcPlaintextSecretRefused' 'Add-DcSource')
                (Get-DcErrorId 'DcEncryptionKeyMissing' 'Add-DcSource')
                (Get-DcErrorId 'DcSourceExists' 'Add-DcSource')
                (Get-DcErrorId 'DcEncryptionKeyMissing' 'Update-DcEncryptionKey')
                (Get-DcErrorId 'DcDecryptionFailed' 'Update-DcEncryptionKey')
                (Get-DcErrorId 'DcEncryptionKeyMissing' 'Get-DcSourceConnection')
                (Get-DcErrorId 'DcDecryptionFailed' 'Get-DcSourceConnection')
                (Get-DcErrorId 'DcSourceInvalid' 'Get-DcSourceConnection')
                (Get-DcErrorId 'DcEncryptionKeyMissing' 'Convert-DcSourceSecret'))) {
            $ids | Should -Contain $expected
        }
    }

    It 'puts only DataCompass ErrorRecords with stable ErrorIds into $Error' {
        if (Skip-WhenNotRun) { return }
        $ids = @($script:Result.ErrorIds)
        $ids.Count | Should -BeGreaterThan 0
        @($ids | Where-Object { $_ -notmatch '^Dc[A-Za-z]+,DataCompass\.Commands\.[A-Za-z]+Command$' } | Sort-Object -Unique) | Should -BeNullOrEmpty
    }

    It 'finds every resolvable canary where it must be (positive controls): -AsPlainText output, the vault, the tokens in the database' {
        if (Skip-WhenNotRun) { return }
        $plaintext = Join-Path $script:OutDir 'plaintext.txt'
        $hits = @(Find-Canary -Path $plaintext -Canaries $script:Resolvable)
        foreach ($key in $script:Resolvable.Keys) { @($hits -like "$key (verbatim)*") | Should -Not -BeNullOrEmpty -Because "-AsPlainText shows $key" }

        Get-Secret -Vault $script:Vault -Name 'DataCompass-conv-password' -AsPlainText | Should -BeExactly $script:Resolvable.ConvertedPw
        $primary = $script:RingKeys[0]
        foreach ($pair in @(@('pg', 'password', 'NoVaultYaml'), @('dbx', 'access_token', 'EncryptToken'), @('sf', 'password', 'ResolveNowPw'), @('sec', 'password', 'SecureLiteral'), @('swapped', 'port', 'SwappedPw'))) {
            $source, $field, $label = $pair
            $parsed = Read-EncryptedValue (Get-StoredField $script:Database $source $field)
            Read-FernetToken -Key $primary -Token $parsed.Token | Should -BeExactly $script:Canaries[$label] -Because "$source.$field holds $label encrypted"
        }
        Test-AnyContains -Path $script:KeyFile -Text $script:RingKeys[0] | Should -BeTrue
    }

    It 'leaves no canary and no key in the catalog data folder (db, -wal, -shm, config.yaml)' {
        if (Skip-WhenNotRun) { return }
        $files = @(Get-ChildItem -Path $script:DataDir -Recurse -File -Force | Where-Object Name -NE 'key' | ForEach-Object FullName)
        $files | Should -Contain $script:Database
        $files | Should -Contain (Join-Path $script:DataDir 'config.yaml')
        Test-AnyContains -Path $files -Text "enc:v1:$(Get-FernetKeyId $script:RingKeys[0]):" | Should -BeTrue -Because 'the catalog holds the encrypted values'
        Test-AnyContains -Path $files -Text "`${secret:$($script:Vault)/DataCompass-conv-password}" | Should -BeTrue
        @(Find-Canary -Path $files -Canaries $script:Canaries) | Should -BeNullOrEmpty
        @(Find-Key -Path $files) | Should -BeNullOrEmpty
    }

    It 'leaves no canary in the key file' {
        if (Skip-WhenNotRun) { return }
        @(Find-Canary -Path $script:KeyFile -Canaries $script:Canaries) | Should -BeNullOrEmpty
        if (-not $IsWindows) { (Get-Item -LiteralPath $script:KeyFile).UnixMode | Should -BeExactly '-rw-------' }
    }

    It 'leaves no canary and no key in the transcript' {
        if (Skip-WhenNotRun) { return }
        $transcript = Join-Path $script:OutDir 'transcript.txt'
        foreach ($expected in 'VERBOSE:', 'DcEncryptionKeyMissing', 'DcDecryptionFailed', 'What if:', 'enc:v1:', 'NotInRing', 'Re-encrypt') {
            Test-BytesContain -Path $transcript -Text $expected | Should -BeTrue -Because "the transcript records '$expected'"
        }
        @(Find-Canary -Path $transcript -Canaries $script:Canaries) | Should -BeNullOrEmpty
        @(Find-Key -Path $transcript) | Should -BeNullOrEmpty
    }

    It 'leaves no canary and no key in any stream (output, error, warning, verbose, debug, information)' {
        if (Skip-WhenNotRun) { return }
        $streams = Join-Path $script:OutDir 'streams.txt'
        foreach ($expected in 'DcPlaintextSecretRefused', 'DcEncryptionKeyMissing', 'DcDecryptionFailed', 'DcSourceInvalid', 'Encrypted',
            'WARNING:', 'VERBOSE:', 'INFORMATION: Re-encrypted', 'orphan.password', 'System.Security.SecureString', 'Moved to the vault') {
            Test-BytesContain -Path $streams -Text $expected | Should -BeTrue -Because "the captured streams hold '$expected'"
        }
        @(Find-Canary -Path $streams -Canaries $script:Canaries) | Should -BeNullOrEmpty
        @(Find-Key -Path $streams) | Should -BeNullOrEmpty
        # Nor a token: an encrypted value is shown as enc:v1:<keyId>:******** (a Fernet token starts with gAAAAA).
        Test-AnyContains -Path $streams, (Join-Path $script:OutDir 'transcript.txt') -Text 'gAAAAA' | Should -BeFalse
    }

    It 'leaves no canary and no key in $Error (messages, targets, exception text)' {
        if (Skip-WhenNotRun) { return }
        $errors = Join-Path $script:OutDir 'errors.txt'
        foreach ($expected in 'DcEncryptionKeyMissing', 'DcDecryptionFailed', 'TargetObject') {
            Test-BytesContain -Path $errors -Text $expected | Should -BeTrue -Because "the `$Error dump holds '$expected'"
        }
        @(Find-Canary -Path $errors -Canaries $script:Canaries) | Should -BeNullOrEmpty
        @(Find-Key -Path $errors) | Should -BeNullOrEmpty
    }

    It 'leaves no canary and no key in the child''s stdout and stderr' {
        if (Skip-WhenNotRun) { return }
        Test-BytesContain -Path $script:StdoutFile -Text 'RESULT:' | Should -BeTrue
        @(Find-Canary -Path $script:StdoutFile -Canaries $script:Canaries) | Should -BeNullOrEmpty
        @(Find-Key -Path $script:StdoutFile) | Should -BeNullOrEmpty
    }

    It 'left no refused or planned canary in the vault' {
        if (Skip-WhenNotRun) { return }
        $vaultFiles = @(Get-TestVaultFiles $script:Vault | ForEach-Object FullName)
        Test-AnyContains -Path $vaultFiles -Text ($script:Resolvable.ConvertedPw -split '-')[-1] | Should -BeTrue -Because 'positive control: the converted value is in the vault''s file'
        @(Find-Canary -Path $vaultFiles -Canaries $script:Refused) | Should -BeNullOrEmpty
    }

    It 'can see a canary and a key where one is (the search itself works)' {
        if (Skip-WhenNotRun) { return }
        @(Find-Canary -Path (Join-Path $script:InDir 'pg.yaml') -Canaries $script:Canaries) | Should -Not -BeNullOrEmpty
        $escaped = Join-Path $TestDrive 'escaped.txt'
        Set-Content -Path $escaped -Value (($script:Unresolvable.OrphanPw | ConvertTo-Json) + [uri]::EscapeDataString($script:Refused.RefusedEncrypt))
        @(Find-Canary -Path $escaped -Canaries $script:Canaries).Count | Should -BeGreaterOrEqual 2
        @(Find-Key -Path $script:KeyFile) | Should -Not -BeNullOrEmpty
    }
}
