# Key rotation killed at a random moment: every value must stay readable (under its old key or the new one),
# and a second run must finish the job and leave no value under the old key, in the rows or in the file.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/RawSql.ps1
    . $PSScriptRoot/EncryptionHelpers.ps1
    Import-Module $script:DcModulePath

    function Get-StoredPasswords([string] $Database) {
        $values = @{}
        foreach ($row in Invoke-RawSql -Database $Database -Sql 'SELECT name, connection_info FROM data_sources' -ReadOnly) {
            $values[$row.name] = ($row.connection_info | ConvertFrom-Json).password
        }
        $values
    }

    function Get-ResolvedPasswords([string] $Database, [string[]] $Names) {
        $values = @{}
        foreach ($connection in Get-DcSourceConnection -Database $Database -Name $Names -AsPlainText -ErrorAction Stop) {
            $values[$connection.Name] = $connection.Settings['password']
        }
        $values
    }

    $script:SavedKey = $env:DATACOMPASS_ENCRYPTION_KEY
    $script:OldKey = New-FernetKeyText
    $script:NewKey = New-FernetKeyText
    $script:Count = 150

    # One catalog under the old key, copied for each round (adding 150 sources takes a few seconds).
    $script:Template = Join-Path $TestDrive 'template/datacompass.db'
    $script:Passwords = @{}
    Set-TestVariable DATACOMPASS_ENCRYPTION_KEY $script:OldKey
    foreach ($i in 1..$script:Count) {
        $script:Passwords["s$i"] = New-Canary "rot$i"
        Add-DcSource -Database $script:Template -Name "s$i" -Type postgresql -Encrypt -ErrorAction Stop `
            -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = $script:Passwords["s$i"] }
    }
    $script:OldValues = Get-StoredPasswords $script:Template

    $exe = [Environment]::ProcessPath
    $script:Launcher = @($exe) + @(if ((Split-Path -Leaf $exe) -match '^dotnet(\.exe)?$') { Join-Path $PSHOME 'pwsh.dll' })
    $script:Random = [Random]::new()
}

AfterAll {
    Set-TestVariable DATACOMPASS_ENCRYPTION_KEY $script:SavedKey
}

Describe 'Update-DcEncryptionKey killed at a random moment' -Tag 'Integration', 'Chaos' {
    It 'the catalog is fully under the old key before any round, and the byte search finds what is there' {
        $bytes = [Text.Encoding]::Latin1.GetString([IO.File]::ReadAllBytes($script:Template))
        $bytes.Contains($script:OldValues['s1'].Substring(16), [StringComparison]::Ordinal) | Should -BeTrue
        $script:OldValues.Values | ForEach-Object { $_ | Should -Match '^enc:v1:[0-9a-f]{8}:' }
        @($script:OldValues.Values | ForEach-Object { $_.Substring(7, 8) } | Sort-Object -Unique).Count | Should -Be 1
    }

    It 'loses no value and converges, round <_>' -ForEach (1..([int]$(if ($env:DATACOMPASS_CHAOS_ROUNDS) { $env:DATACOMPASS_CHAOS_ROUNDS } else { 3 }))) {
        $folder = Join-Path $TestDrive "round-$(New-Guid)"
        $null = New-Item -ItemType Directory -Path $folder
        Get-ChildItem -Path (Split-Path $script:Template) -File | Copy-Item -Destination $folder
        $db = Join-Path $folder 'datacompass.db'
        $names = @($script:Passwords.Keys)

        # The child says START once the module is loaded; the kill lands somewhere in the rotation (or after it).
        $childScript = Join-Path $folder 'rotate.ps1'
        Set-Content -Path $childScript -Value ("`$env:DATACOMPASS_ENCRYPTION_KEY = '{0},{1}'; Import-Module '{2}'; 'START'; Update-DcEncryptionKey -Database '{3}' -BatchSize 1 | Out-Null; 'DONE'" -f
            $script:NewKey, $script:OldKey, $script:DcModulePath, $db)
        $start = [Diagnostics.ProcessStartInfo]::new($script:Launcher[0])
        foreach ($argument in @($script:Launcher | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $childScript)) { $start.ArgumentList.Add($argument) }
        $start.UseShellExecute = $false
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $child = [Diagnostics.Process]::Start($start)
        while (($line = $child.StandardOutput.ReadLine()) -ne $null -and $line -ne 'START') { }
        $delay = $script:Random.Next(0, 300)
        Start-Sleep -Milliseconds $delay
        $killed = -not $child.HasExited
        if ($killed) { $child.Kill($true) }
        $child.WaitForExit()

        # Right after the kill, with both keys: every value is still there and opens to its original.
        Set-TestVariable DATACOMPASS_ENCRYPTION_KEY "$($script:NewKey),$($script:OldKey)"
        $afterKill = Get-ResolvedPasswords $db $names
        foreach ($name in $names) { $afterKill[$name] | Should -BeExactly $script:Passwords[$name] -Because "$name is readable after the kill" }
        $underNew = @(Get-DcEncryptionStatus -Database $db | Where-Object Role -eq 'Primary').Values
        Write-Host ("    {0} ms into the rotation: {1}; {2} of {3} values under the new key" -f $delay, $(if ($killed) { 'killed' } else { 'had finished' }), $underNew, $script:Count)

        # A second run finishes; then the new key alone opens everything.
        $summary = Update-DcEncryptionKey -Database $db -ErrorAction Stop
        $summary.Failed | Should -Be 0
        ($summary.Reencrypted + $summary.AlreadyCurrent) | Should -Be $script:Count
        $status = @(Get-DcEncryptionStatus -Database $db)
        ($status | Where-Object Role -eq 'Primary').Values | Should -Be $script:Count
        ($status | Where-Object Role -eq 'Secondary').Values | Should -Be 0

        Set-TestVariable DATACOMPASS_ENCRYPTION_KEY $script:NewKey
        $final = Get-ResolvedPasswords $db $names
        foreach ($name in $names) { $final[$name] | Should -BeExactly $script:Passwords[$name] -Because "$name opens with the new key alone" }

        # No value under the old key, and no plaintext, survives anywhere in the database files.
        $files = @(Get-ChildItem -Path $folder -File | Where-Object Name -like 'datacompass.db*' | ForEach-Object FullName)
        foreach ($file in $files) {
            # Tokens and canaries are ASCII: one Latin-1 view of the file's bytes serves every search.
            $bytes = [Text.Encoding]::Latin1.GetString([IO.File]::ReadAllBytes($file))
            foreach ($name in $names) {
                $bytes.Contains($script:OldValues[$name].Substring(16), [StringComparison]::Ordinal) | Should -BeFalse -Because "$file must not keep the old token of $name"
                $bytes.Contains($script:Passwords[$name], [StringComparison]::Ordinal) | Should -BeFalse -Because "$file must not hold the plaintext of $name"
            }
        }
    }
}

Describe 'A run killed after replacing values but before scrubbing the file' -Tag 'Integration' {
    # The killed run left the marker and old bytes in free pages (made here with raw SQL and secure_delete off).
    # The next Update-DcEncryptionKey has nothing to re-encrypt, yet it must scrub; -WhatIf must not.
    BeforeEach {
        Set-TestVariable DATACOMPASS_ENCRYPTION_KEY $null
        $script:Db = Join-Path $TestDrive "unscrubbed-$(New-Guid)/datacompass.db"
        $script:Leftover = New-Canary 'leftover'
        # With no key yet, -AllowPlaintext stores the value as it is. Padded past a page, the value's tail lives in overflow pages, which a raw update frees without zeroing.
        $padding = 'x' * 6000
        Add-DcSource -Database $script:Db -Name left -Type postgresql -AllowPlaintext -WarningAction SilentlyContinue -ErrorAction Stop `
            -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = $padding + $script:Leftover }
        $sql = "PRAGMA secure_delete = OFF; UPDATE data_sources SET connection_info = replace(connection_info, '{0}', '`${{PG_PASSWORD}}'); " -f ($padding + $script:Leftover)
        Invoke-RawSql -Database $script:Db -Sql ($sql + "INSERT INTO dc_schema_info (key, value) VALUES ('scrub_pending', '1');") | Out-Null
        Set-TestVariable DATACOMPASS_ENCRYPTION_KEY $script:NewKey
        $script:Files = { @(Get-ChildItem -Path (Split-Path $script:Db) -File | Where-Object Name -like 'datacompass.db*' | ForEach-Object FullName) }
        @(& $script:Files | Where-Object { Test-BytesContain -Path $_ -Text $script:Leftover }) | Should -Not -BeNullOrEmpty -Because 'the old bytes are there to be scrubbed'
    }

    It 'leaves the file as it is under -WhatIf' {
        $before = (Get-FileHash -Path $script:Db).Hash
        $null = Update-DcEncryptionKey -Database $script:Db -WhatIf
        (Get-FileHash -Path $script:Db).Hash | Should -Be $before
        # Reading in WAL mode may create an empty -wal; it must hold no write.
        Get-ChildItem -Path "$($script:Db)-wal" -ErrorAction Ignore | ForEach-Object Length | Should -BeIn @($null, 0)
        Test-BytesContain -Path $script:Db -Text $script:Leftover | Should -BeTrue
    }

    It 'scrubs the file and clears the marker' {
        $summary = Update-DcEncryptionKey -Database $script:Db -ErrorAction Stop
        $summary.Reencrypted | Should -Be 0
        foreach ($file in & $script:Files) { Test-BytesContain -Path $file -Text $script:Leftover | Should -BeFalse -Because "$file must not keep the old value" }
        @(Invoke-RawSql -Database $script:Db -Sql "SELECT value FROM dc_schema_info WHERE key = 'scrub_pending'" -ReadOnly) | Should -BeNullOrEmpty
    }
}
