#Requires -Version 7.4
# New-DcEncryptionKey (DESIGN.md, "Encryption at rest"): a standard Fernet key put first in the key ring, which lives in
# the key file beside the catalog (0600 in a 0700 folder) or in a vault secret named by config encryption_key_ref. The
# output names the key by its id and never holds the key. The keys are checked against an independent Fernet
# implementation (EncryptionHelpers.ps1), not against DataCompass itself.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/VaultHelpers.ps1
    . $PSScriptRoot/RawSql.ps1
    . $PSScriptRoot/EncryptionHelpers.ps1
    Import-Module $script:DcModulePath -Force

    $script:EnvNames = @('DATACOMPASS_DATA_DIR', 'DATACOMPASS_ENCRYPTION_KEY')
    $script:SavedEnv = @{}
    foreach ($name in $script:EnvNames) { $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name) }
    $script:TestVaults = [System.Collections.Generic.List[string]]::new()

    function Get-KeyRingText([string] $Path) {
        # The key file's keys, primary first.
        @(([IO.File]::ReadAllText($Path)) -split '[,\r\n]' | ForEach-Object Trim | Where-Object { $_ })
    }

    function Get-ErrorRecord([scriptblock] $Script) {
        try { & $Script; $null } catch { $_ }
    }

    function Get-ShownText($Object) {
        # Everything a user could see of an output object.
        @("$Object", ($Object | Format-List * | Out-String -Width 400), ($Object | Format-Table * | Out-String -Width 400),
            (ConvertTo-Json -InputObject $Object -Depth 4)) -join "`n"
    }
}

AfterAll {
    Restore-TestEnvironment
    Remove-TestVault -Name @($script:TestVaults)
}

Describe 'New-DcEncryptionKey' -Tag 'Integration', 'Encryption' {
    BeforeEach {
        Restore-TestEnvironment
        Set-TestVariable 'DATACOMPASS_ENCRYPTION_KEY' $null
        # A data folder that does not exist yet: New-DcEncryptionKey creates it.
        $script:DataDir = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        $env:DATACOMPASS_DATA_DIR = $script:DataDir
        $script:KeyFile = Join-Path $script:DataDir 'key'
    }

    AfterEach {
        Remove-TestVault -Name @($script:TestVaults)
        $script:TestVaults.Clear()
    }

    Context 'the key file' {
        It 'declares DataCompass.DcEncryptionKeyInfo as its output type' {
            (Get-Command New-DcEncryptionKey).OutputType.Name | Should -Contain 'DataCompass.DcEncryptionKeyInfo'
        }

        It 'creates the key file beside the catalog holding one standard Fernet key, and returns its id and location' {
            $info = New-DcEncryptionKey -ErrorAction Stop

            $info | Should -BeOfType 'DataCompass.DcEncryptionKeyInfo'
            $info.Location | Should -BeExactly $script:KeyFile
            $info.KeyCount | Should -Be 1
            $info.PreviousPrimaryKeyId | Should -BeNullOrEmpty
            $keys = @(Get-KeyRingText $script:KeyFile)
            $keys.Count | Should -Be 1
            (ConvertFrom-UrlSafeBase64 $keys[0]).Length | Should -Be 32 -Because 'a Fernet key is 32 bytes, URL-safe base64'
            $keys[0] | Should -Match '^[A-Za-z0-9_-]{43}=$'
            $info.KeyId | Should -Match '^[0-9a-f]{8}$'
            $info.KeyId | Should -BeExactly (Get-FernetKeyId $keys[0]) -Because 'the id is the first 8 hex digits of SHA-256 of the raw key'
        }

        It 'creates the key file 0600 in a new 0700 folder' -Skip:$IsWindows {
            $null = New-DcEncryptionKey -ErrorAction Stop
            (Get-Item -LiteralPath $script:KeyFile).UnixMode | Should -BeExactly '-rw-------'
            (Get-Item -LiteralPath $script:DataDir).UnixMode | Should -BeExactly 'drwx------'
        }

        It 'never shows the key: not in the output object, its formatting, its JSON, or any stream' {
            $text = Get-StreamText { New-DcEncryptionKey -Verbose -Debug -InformationAction Continue }
            $key = @(Get-KeyRingText $script:KeyFile)[0]
            $text | Should -Match ([regex]::Escape((Get-FernetKeyId $key))) -Because 'positive control: the output names the key id'
            $text.Contains($key) | Should -BeFalse
            $text.Contains($key.TrimEnd('=').Substring(8, 24)) | Should -BeFalse -Because 'not even part of the key'
            $info = New-DcEncryptionKey -ErrorAction Stop
            $ring = @(Get-KeyRingText $script:KeyFile)
            $shown = Get-ShownText $info
            foreach ($item in $ring) { $shown.Contains($item) | Should -BeFalse }
        }

        It 'puts a new primary key in front on a second call and keeps every key it held, 0600 still' {
            $first = New-DcEncryptionKey -ErrorAction Stop
            $firstKey = @(Get-KeyRingText $script:KeyFile)[0]
            $second = New-DcEncryptionKey -ErrorAction Stop
            $third = New-DcEncryptionKey -ErrorAction Stop

            $second.KeyCount | Should -Be 2
            $second.PreviousPrimaryKeyId | Should -BeExactly $first.KeyId
            $third.KeyCount | Should -Be 3
            $third.PreviousPrimaryKeyId | Should -BeExactly $second.KeyId
            @($first.KeyId, $second.KeyId, $third.KeyId | Sort-Object -Unique).Count | Should -Be 3
            $keys = @(Get-KeyRingText $script:KeyFile)
            @($keys | ForEach-Object { Get-FernetKeyId $_ }) | Should -Be @($third.KeyId, $second.KeyId, $first.KeyId)
            $keys[2] | Should -BeExactly $firstKey -Because 'the old key is kept as it was'
            if (-not $IsWindows) { (Get-Item -LiteralPath $script:KeyFile).UnixMode | Should -BeExactly '-rw-------' }
        }

        It 'puts the key file beside a -Database catalog' {
            Set-TestVariable 'DATACOMPASS_DATA_DIR' $null
            $database = Join-Path $TestDrive "$([guid]::NewGuid().ToString('n'))/catalog.db"
            $info = New-DcEncryptionKey -Database $database -ErrorAction Stop
            $expected = Join-Path (Split-Path -Parent $database) 'key'
            $info.Location | Should -BeExactly $expected
            Get-FernetKeyId @(Get-KeyRingText $expected)[0] | Should -BeExactly $info.KeyId
        }

        It 'writes -Path elsewhere (0600) and warns that the catalog reads the key file beside it' {
            $other = Join-Path $TestDrive "$([guid]::NewGuid().ToString('n'))/elsewhere.key"
            $info = New-DcEncryptionKey -Path $other -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop

            $info.Location | Should -BeExactly $other
            Get-FernetKeyId @(Get-KeyRingText $other)[0] | Should -BeExactly $info.KeyId
            $script:KeyFile | Should -Not -Exist
            @($warnings).Count | Should -Be 1
            "$($warnings[0])" | Should -BeLike "*$($script:KeyFile)*"
            if (-not $IsWindows) { (Get-Item -LiteralPath $other).UnixMode | Should -BeExactly '-rw-------' }
        }

        It 'does not warn when -Path names the key file beside the catalog' {
            $null = New-DcEncryptionKey -Path $script:KeyFile -WarningVariable warnings -ErrorAction Stop
            @($warnings) | Should -BeNullOrEmpty
        }

        It 'creates nothing with -WhatIf' {
            New-DcEncryptionKey -WhatIf | Should -BeNullOrEmpty
            $script:DataDir | Should -Not -Exist
        }

        It 'adds nothing to an existing ring with -WhatIf' {
            $null = New-DcEncryptionKey -ErrorAction Stop
            $before = Get-FolderSnapshot $script:DataDir
            New-DcEncryptionKey -WhatIf | Should -BeNullOrEmpty
            Get-FolderSnapshot $script:DataDir | Should -Be $before
        }
    }

    Context 'two processes at once' {
        It 'keeps every key when two processes add keys to the same key file at the same time' {
            $null = New-DcEncryptionKey -ErrorAction Stop
            $go = Join-Path $TestDrive "go-$(New-Guid)"
            $script = "Import-Module '$($script:DcModulePath)'; while (-not (Test-Path '$go')) { Start-Sleep -Milliseconds 10 }; " +
                "1..12 | ForEach-Object { `$null = New-DcEncryptionKey -ErrorAction Stop }"
            $children = foreach ($i in 1, 2) {
                $file = Join-Path $TestDrive "adder-$i-$(New-Guid).ps1"
                Set-Content -Path $file -Value $script
                $exe = [Environment]::ProcessPath
                $arguments = @(if ((Split-Path -Leaf $exe) -match '^dotnet(\.exe)?$') { Join-Path $PSHOME 'pwsh.dll' }) + @('-NoProfile', '-NonInteractive', '-File', $file)
                Start-Process -FilePath $exe -ArgumentList $arguments -PassThru -NoNewWindow
            }
            Start-Sleep -Milliseconds 1500
            $null = New-Item -ItemType File -Path $go
            $children | Wait-Process -Timeout 120
            $children | ForEach-Object { $_.ExitCode | Should -Be 0 }
            @(Get-KeyRingText $script:KeyFile).Count | Should -Be 25 -Because 'one key from before and twelve from each process'
        }
    }

    Context 'a key file it will not use' {
        It 'refuses a key file that <Who> can read (mode <Mode>) with DcEncryptionKeyFileUnprotected and leaves it as it is' -Skip:$IsWindows -ForEach @(
            @{ Who = 'everyone'; Mode = '644' }
            @{ Who = 'the group'; Mode = '640' }
        ) {
            $null = New-DcEncryptionKey -ErrorAction Stop
            chmod $Mode $script:KeyFile
            $before = Get-FolderSnapshot $script:DataDir

            $record = Get-ErrorRecord { New-DcEncryptionKey -ErrorAction Stop }
            $record | Should -Not -BeNullOrEmpty -Because 'the command must stop'
            $record.FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcEncryptionKeyFileUnprotected' 'New-DcEncryptionKey')
            "$($record.CategoryInfo.Category)" | Should -Be 'SecurityError'
            $record.Exception.Message | Should -BeLike "*$($script:KeyFile)*"
            $record.Exception.Message | Should -BeLike '*chmod 600*'
            Assert-NoValue $record @(Get-KeyRingText $script:KeyFile)
            Get-FolderSnapshot $script:DataDir | Should -Be $before
        }

        It 'refuses a key file that holds no Fernet key (DcEncryptionKeyInvalid), never repeating its content, and leaves it as it is' {
            $null = New-Item -ItemType Directory -Path $script:DataDir
            $content = New-Canary 'notakey'
            [IO.File]::WriteAllText($script:KeyFile, $content)
            if (-not $IsWindows) { chmod 600 $script:KeyFile }
            $before = Get-FolderSnapshot $script:DataDir

            $record = Get-ErrorRecord { New-DcEncryptionKey -ErrorAction Stop }
            $record.FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcEncryptionKeyInvalid' 'New-DcEncryptionKey')
            $record.Exception.Message | Should -BeLike "*$($script:KeyFile)*"
            Assert-NoValue $record $content
            Get-FolderSnapshot $script:DataDir | Should -Be $before
        }
    }

    Context 'a data folder that cannot be made' {
        It 'reports a data folder path that is a file as DcEncryptionKeyFileUnavailable and leaves the file as it is' {
            $null = New-Item -ItemType Directory -Path (Split-Path $script:DataDir) -Force
            Set-Content -LiteralPath $script:DataDir -Value 'not a folder'
            $before = (Get-FileHash -LiteralPath $script:DataDir).Hash

            $record = Get-ErrorRecord { New-DcEncryptionKey -ErrorAction Stop }
            $record | Should -Not -BeNullOrEmpty -Because 'the command must stop'
            $record.FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcEncryptionKeyFileUnavailable' 'New-DcEncryptionKey')
            "$($record.CategoryInfo.Category)" | Should -Be 'ResourceUnavailable'
            $record.Exception.Message | Should -BeLike "*$($script:KeyFile)*"
            (Get-FileHash -LiteralPath $script:DataDir).Hash | Should -Be $before
        }

        It 'reports a parent folder it may not write to as DcEncryptionKeyFileUnavailable' -Skip:$IsWindows {
            $parent = Join-Path $TestDrive "locked-$(New-Guid)"
            $null = New-Item -ItemType Directory -Path $parent
            $env:DATACOMPASS_DATA_DIR = Join-Path $parent 'data'
            # root ignores permission bits, but not the immutable attribute.
            $isRoot = (id -u) -eq '0'
            if ($isRoot -and -not (Get-Command chattr -ErrorAction Ignore)) {
                Set-ItResult -Skipped -Because 'running as root, which ignores a read-only folder, and chattr is not available to make it immutable'
                return
            }
            if ($isRoot) { chattr +i $parent } else { chmod 500 $parent }
            try {
                if ($isRoot -and (lsattr -d $parent) -notmatch '^\S*i') {
                    Set-ItResult -Skipped -Because "running as root and chattr +i did not take on this file system"
                    return
                }
                $record = Get-ErrorRecord { New-DcEncryptionKey -ErrorAction Stop }
                $record | Should -Not -BeNullOrEmpty -Because 'the command must stop'
                $record.FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcEncryptionKeyFileUnavailable' 'New-DcEncryptionKey')
                "$($record.CategoryInfo.Category)" | Should -Be 'ResourceUnavailable'
                $record.Exception.Message | Should -BeLike "*$parent*"
            }
            finally {
                if ($isRoot) { chattr -i $parent } else { chmod 700 $parent }
            }
            @(Get-ChildItem -LiteralPath $parent -Force) | Should -BeNullOrEmpty
        }
    }

    Context 'precedence warnings' {
        It 'warns that $env:DATACOMPASS_ENCRYPTION_KEY takes precedence when it is set, and still writes the key file' {
            $envKey = New-FernetKeyText
            $env:DATACOMPASS_ENCRYPTION_KEY = $envKey
            $info = New-DcEncryptionKey -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop

            @($warnings).Count | Should -Be 1
            "$($warnings[0])" | Should -BeLike '*DATACOMPASS_ENCRYPTION_KEY*'
            "$($warnings[0])".Contains($envKey) | Should -BeFalse
            Get-FernetKeyId @(Get-KeyRingText $script:KeyFile)[0] | Should -BeExactly $info.KeyId
            (Get-KeyRingText $script:KeyFile) | Should -Not -Contain $envKey -Because 'the environment''s key is not copied into the file'
        }

        It 'stops, writing nothing, when the ring in use cannot be read (its keys could not be carried over)' {
            Set-DcConfig -EncryptionKeyRef 'DcNoSuchVault/ring' -WarningAction SilentlyContinue -ErrorAction Stop
            $record = Get-ErrorRecord { New-DcEncryptionKey -ErrorAction Stop }
            $record.Exception.Message | Should -BeLike '*cannot be read*-Force*'
            $script:KeyFile | Should -Not -Exist
        }

        It 'warns that config encryption_key_ref takes precedence when it writes the key file' {
            Set-DcConfig -EncryptionKeyRef 'DcNoSuchVault/ring' -WarningAction SilentlyContinue -ErrorAction Stop
            $null = New-DcEncryptionKey -Force -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop
            # The ring it names cannot be read (no such vault), so that is said too: its keys are not carried over.
            @($warnings).Count | Should -Be 2
            @($warnings | Where-Object { "$_" -like '*encryption_key_ref*takes precedence*' }).Count | Should -Be 1
            @($warnings | Where-Object { "$_" -like '*cannot be read*not carried over*' }).Count | Should -Be 1
            $script:KeyFile | Should -Exist
        }
    }

    Context 'a key ring in a vault' -Tag 'Vault' {
        BeforeEach {
            # Not the default vault: it holds the key ring only.
            $script:Vault = New-TestVault
            $script:TestVaults.Add($script:Vault)
        }

        It 'keeps the ring in a vault secret, points encryption_key_ref at it, and writes no key file' {
            $info = New-DcEncryptionKey -Vault $script:Vault -ErrorAction Stop

            $info.Location | Should -BeExactly "vault://$($script:Vault)/DataCompass-encryption-key"
            $info.KeyCount | Should -Be 1
            $ring = @((Get-Secret -Vault $script:Vault -Name 'DataCompass-encryption-key' -AsPlainText -ErrorAction Stop) -split ',')
            $ring.Count | Should -Be 1
            Get-FernetKeyId $ring[0] | Should -BeExactly $info.KeyId
            (Get-DcConfig).EncryptionKeyRef | Should -BeExactly "$($script:Vault)/DataCompass-encryption-key"
            $script:KeyFile | Should -Not -Exist
            Test-BytesContain -Path (Join-Path $script:DataDir 'config.yaml') -Text $ring[0] | Should -BeFalse -Because 'the config names the secret, never the key'
            if (-not $IsWindows) { (Get-Item -LiteralPath (Join-Path $script:DataDir 'config.yaml')).UnixMode | Should -BeExactly '-rw-------' }
        }

        It 'adds a new primary key in front of the vault ring on a second call, under -SecretName, keeping other settings' {
            Set-DcConfig -SecretNameTemplate 'dc-{source}-{field}' -ErrorAction Stop
            $first = New-DcEncryptionKey -Vault $script:Vault -SecretName 'team-ring' -ErrorAction Stop
            $second = New-DcEncryptionKey -Vault $script:Vault -SecretName 'team-ring' -ErrorAction Stop

            $second.KeyCount | Should -Be 2
            $second.PreviousPrimaryKeyId | Should -BeExactly $first.KeyId
            $ring = @((Get-Secret -Vault $script:Vault -Name 'team-ring' -AsPlainText) -split ',')
            @($ring | ForEach-Object { Get-FernetKeyId $_ }) | Should -Be @($second.KeyId, $first.KeyId)
            $config = Get-DcConfig
            $config.EncryptionKeyRef | Should -BeExactly "$($script:Vault)/team-ring"
            $config.SecretNameTemplate | Should -BeExactly 'dc-{source}-{field}'
        }

        It 'is the ring in force: a literal secret is encrypted with it when no vault takes literals, read from the vault once per command' {
            if (Get-DefaultVaultName) { Set-ItResult -Skipped -Because 'a default vault is registered, so there is always a vault for literals'; return }
            $info = New-DcEncryptionKey -Vault $script:Vault -ErrorAction Stop
            $canary = New-Canary 'vaultring'
            Add-DcSource -Name a -Type postgresql -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = $canary } -ErrorAction Stop
            Add-DcSource -Name b -Type postgresql -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = "$canary-b" } -ErrorAction Stop

            $stored = Read-EncryptedValue (Get-StoredField -Database (Join-Path $script:DataDir 'datacompass.db') -Source a -Field password)
            $stored.KeyId | Should -BeExactly $info.KeyId
            Clear-TestVaultCall $script:Vault
            $connections = @(Get-DcSourceConnection -Name a, b -AsPlainText -ErrorAction Stop)
            $connections[0].Settings['password'] | Should -BeExactly $canary
            $connections[1].Settings['password'] | Should -BeExactly "$canary-b"
            @(Get-TestVaultCall -Name $script:Vault | Where-Object { $_ -eq 'Get-Secret DataCompass-encryption-key' }).Count | Should -Be 1
        }

        It 'is read from the vault once for a whole Add-DcSource pipeline, and again under the key ring lock before each encrypted row is committed' {
            if (Get-DefaultVaultName) { Set-ItResult -Skipped -Because 'a default vault is registered, so there is always a vault for literals'; return }
            $null = New-DcEncryptionKey -Vault $script:Vault -ErrorAction Stop
            Clear-TestVaultCall $script:Vault
            1..3 | ForEach-Object { [pscustomobject]@{ Name = "p$_"; Type = 'postgresql'; Connection = @{ host = 'h'; database = 'd'; username = 'u'; password = "pw-$_" } } } |
                Add-DcSource -ErrorAction Stop
            # The re-read is what tells a commit that Remove-DcEncryptionKey dropped its key meanwhile.
            @(Get-TestVaultCall -Name $script:Vault | Where-Object { $_ -eq 'Get-Secret DataCompass-encryption-key' }).Count | Should -Be (1 + 3)
            @((Get-DcSource).Fields | Where-Object { $_.Name -eq 'password' -and "$($_.Provenance)" -eq 'Encrypted' }).Count | Should -Be 3
        }

        It 'refuses a -SecretName that holds something other than text (DcEncryptionKeyInvalid) and changes nothing' {
            Set-Secret -Vault $script:Vault -Name 'not-a-ring' -Secret @{ user = 'x' }
            $record = Get-ErrorRecord { New-DcEncryptionKey -Vault $script:Vault -SecretName 'not-a-ring' -ErrorAction Stop }
            $record.FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcEncryptionKeyInvalid' 'New-DcEncryptionKey')
            (Get-Secret -Vault $script:Vault -Name 'not-a-ring' -AsPlainText).user | Should -BeExactly 'x'
            $script:DataDir | Should -Not -Exist -Because 'no config was written'
        }

        It 'reports an unknown vault as DcVaultNotFound and writes nothing' {
            $record = Get-ErrorRecord { New-DcEncryptionKey -Vault 'DcNoSuchVault' -ErrorAction Stop }
            $record.FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcVaultNotFound' 'New-DcEncryptionKey')
            "$($record.CategoryInfo.Category)" | Should -Be 'ObjectNotFound'
            $script:DataDir | Should -Not -Exist
        }

        It 'carries the key file''s keys over to a new vault ring, so values encrypted with them stay readable' {
            $fileKey = New-DcEncryptionKey -ErrorAction Stop
            $canary = New-Canary 'carried'
            Add-DcSource -Name a -Type postgresql -Encrypt -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = $canary } -ErrorAction Stop

            $info = New-DcEncryptionKey -Vault $script:Vault -ErrorAction Stop
            $info.KeyCount | Should -Be 2
            $info.PreviousPrimaryKeyId | Should -BeExactly $fileKey.KeyId
            (Get-DcSourceConnection a -AsPlainText -ErrorAction Stop).Settings['password'] | Should -BeExactly $canary
            $status = @(Get-DcEncryptionStatus -ErrorAction Stop)
            ($status | Where-Object KeyId -EQ $fileKey.KeyId).Role | Should -Be 'Secondary'
            @($status | Where-Object Unreadable -GT 0) | Should -BeNullOrEmpty
        }

        It 'carries the key file''s keys into a vault ring that already exists (another catalog''s), keeping that ring''s keys too' {
            $fileKey = New-DcEncryptionKey -ErrorAction Stop
            $canary = New-Canary 'union'
            Add-DcSource -Name a -Type postgresql -Encrypt -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = $canary } -ErrorAction Stop
            $otherKey = New-FernetKeyText
            Set-Secret -Vault $script:Vault -Name 'DataCompass-encryption-key' -Secret $otherKey

            $info = New-DcEncryptionKey -Vault $script:Vault -ErrorAction Stop
            $info.KeyCount | Should -Be 3
            $ids = @((Get-Secret -Vault $script:Vault -Name 'DataCompass-encryption-key' -AsPlainText) -split ',' | ForEach-Object { Get-FernetKeyId $_ })
            $ids | Should -Contain $fileKey.KeyId
            $ids | Should -Contain (Get-FernetKeyId $otherKey)
            (Get-DcSourceConnection a -AsPlainText -ErrorAction Stop).Settings['password'] | Should -BeExactly $canary
        }

        It 'never copies keys that live only in $env:DATACOMPASS_ENCRYPTION_KEY' {
            $envKey = New-FernetKeyText
            Set-TestVariable 'DATACOMPASS_ENCRYPTION_KEY' $envKey
            $info = New-DcEncryptionKey -Vault $script:Vault -WarningAction SilentlyContinue -ErrorAction Stop
            $info.KeyCount | Should -Be 1
            (Get-Secret -Vault $script:Vault -Name 'DataCompass-encryption-key' -AsPlainText) | Should -Not -BeLike "*$envKey*"
        }

        It 'writes neither the vault nor the config with -WhatIf' {
            New-DcEncryptionKey -Vault $script:Vault -WhatIf | Should -BeNullOrEmpty
            @(Get-SecretInfo -Vault $script:Vault) | Should -BeNullOrEmpty
            $script:DataDir | Should -Not -Exist
        }
    }
}
