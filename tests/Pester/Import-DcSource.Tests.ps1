#Requires -Version 7.4
# Import-DcSource: a real folder of YAML files applied to a real catalog, twice. The second run changes nothing
# (the catalog file byte-identical, no event, no Set-Secret in the test vault's call log); a changed file changes
# only its source and keeps its id; new files add, -Prune removes; broken and duplicate files are reported while
# the rest is applied; export -> import gives the same connection_info; -WhatIf prints the plan and writes nothing;
# a literal secret in a file reaches only the vault.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/VaultHelpers.ps1
    . $PSScriptRoot/RawSql.ps1
    . $PSScriptRoot/EncryptionHelpers.ps1
    Import-Module $script:DcModulePath -Force

    $script:EnvNames = @('DATACOMPASS_DATA_DIR', 'DATACOMPASS_ENCRYPTION_KEY')
    $script:SavedEnv = @{}
    foreach ($name in $script:EnvNames) { $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name) }
    $script:Vault = New-TestVault -Prefix DcImport

    function New-Folder([string] $Label) {
        $folder = Join-Path $TestDrive ("$Label-{0}" -f [guid]::NewGuid().ToString('n').Substring(0, 8))
        $null = New-Item -ItemType Directory -Path $folder
        $folder
    }

    function Write-SourceFile([string] $Folder, [string] $File, [string[]] $Lines) {
        $path = Join-Path $Folder $File
        Set-Content -LiteralPath $path -Value $Lines
        $path
    }

    function New-SourceFolder {
        # The three adapters; the databricks file names its source by name:, the others by their file name.
        $folder = New-Folder 'sources'
        $null = Write-SourceFile $folder 'pg.yaml' @('type: postgresql', 'display_name: Sales', 'host: db.example.com', 'database: sales', 'username: app', 'password: "${PG_PASSWORD}"')
        $null = Write-SourceFile $folder 'sf.yml' @('type: snowflake', 'account: acme', 'warehouse: wh', 'database: db', 'username: svc', 'password: "${secret:Store/sf}"')
        $null = Write-SourceFile $folder 'databricks.yaml' @('name: dbx', 'type: databricks', 'host: adb.example.net', 'http_path: /sql/1.0/x', 'catalog: main', 'access_token: "${DBX_TOKEN}"')
        $folder
    }

    function Get-Events([string] $Database) {
        foreach ($row in @(Invoke-RawSql -Database $Database -ReadOnly -Sql 'SELECT * FROM dc_audit_events ORDER BY id')) {
            $row | Add-Member -NotePropertyName Context -NotePropertyValue ($row.context | ConvertFrom-Json -AsHashtable) -Force
            $row | Add-Member -NotePropertyName Fields -NotePropertyValue ($row.fields | ConvertFrom-Json -AsHashtable) -Force
            $row
        }
    }

    function Get-Rows([string] $Database) {
        @(Invoke-RawSql -Database $Database -ReadOnly -Sql 'SELECT id, name, display_name, source_type, connection_info FROM data_sources ORDER BY name')
    }

    function Get-Hash([string] $Path) { (Get-FileHash -Algorithm SHA256 -LiteralPath $Path).Hash }

    function Get-SetSecretCalls { @(Get-TestVaultCall -Name $script:Vault | Where-Object { $_ -like 'Set-Secret *' }) }
}

AfterAll {
    Remove-TestVault -Name $script:Vault
    Restore-TestEnvironment
}

Describe 'Import-DcSource' -Tag 'Integration' {
    BeforeEach {
        Restore-TestEnvironment
        Set-TestVariable 'DATACOMPASS_ENCRYPTION_KEY' $null
        $script:Dir = New-Folder 'catalog'
        Set-TestVariable 'DATACOMPASS_DATA_DIR' $script:Dir
        $script:Db = Join-Path $script:Dir 'datacompass.db'
        $script:Sources = New-SourceFolder
    }

    It 'adds the three sources, and a second run changes nothing: same file bytes, no event' {
        $first = @(Import-DcSource -Path $script:Sources -PassThru -ErrorAction Stop)
        $first.Name | Should -Be @('dbx', 'pg', 'sf') -Because 'files are applied sorted by name (databricks.yaml names dbx)'
        $first.Action | Should -Be @('Added', 'Added', 'Added')
        $first[0].File | Should -Be (Join-Path $script:Sources 'databricks.yaml')
        $events = @(Get-Events $script:Db)
        $events.action | Should -Be @('add', 'add', 'add')
        $events.Context.command | Should -Be @('Import-DcSource', 'Import-DcSource', 'Import-DcSource')
        (Get-DcSource pg).DisplayName | Should -Be 'Sales'
        $hash = Get-Hash $script:Db

        $second = @(Import-DcSource -Path $script:Sources -PassThru -ErrorAction Stop)
        $second.Action | Should -Be @('Unchanged', 'Unchanged', 'Unchanged')
        Get-Hash $script:Db | Should -Be $hash
        @(Get-Events $script:Db).Count | Should -Be 3
        $table = @(($second | Format-Table | Out-String -Width 120) -split "`n" | Where-Object { $_.Trim() })
        $table[0] | Should -Match '^Name\s+Action\s+ChangedFields\s+File'
        $table[2] | Should -Match '^dbx\s+Unchanged\s+databricks\.yaml$'
    }

    It 'changes only the source whose file changed, keeping its id, with one set event' {
        Import-DcSource -Path $script:Sources -ErrorAction Stop
        $before = Get-Rows $script:Db
        Add-Content -LiteralPath (Join-Path $script:Sources 'pg.yaml') -Value 'port: 6432'

        $results = @(Import-DcSource -Path $script:Sources -PassThru -ErrorAction Stop)
        ($results | Where-Object Name -EQ 'pg').Action | Should -Be 'Changed'
        ($results | Where-Object Name -EQ 'pg').ChangedFields | Should -Be @('port')
        ($results | Where-Object Name -EQ 'pg').Message | Should -Be 'port: literal -> literal'
        @($results | Where-Object Name -NE 'pg').Action | Should -Be @('Unchanged', 'Unchanged')
        $after = Get-Rows $script:Db
        $after.id | Should -Be $before.id
        ($after | Where-Object name -EQ 'pg').connection_info | Should -BeLike '*"port": 6432*'
        ($after | Where-Object name -NE 'pg').connection_info | Should -Be ($before | Where-Object name -NE 'pg').connection_info
        $set = @(Get-Events $script:Db | Where-Object action -EQ 'set')
        $set.Count | Should -Be 1
        $set[0].source_name | Should -Be 'pg'
        $set[0].Context.command | Should -Be 'Import-DcSource'
        @($set[0].Fields.Keys) | Should -Be @('port')
    }

    It 'clears what a file no longer states: an optional field back to its default, the display name' {
        Import-DcSource -Path (Join-Path $script:Sources 'pg.yaml') -ErrorAction Stop
        Write-SourceFile $script:Sources 'pg.yaml' @('type: postgresql', 'host: db.example.com', 'database: sales', 'username: app', 'password: "${PG_PASSWORD}"', 'ssl_mode: require') | Out-Null
        Import-DcSource -Path (Join-Path $script:Sources 'pg.yaml') -ErrorAction Stop
        Write-SourceFile $script:Sources 'pg.yaml' @('type: postgresql', 'host: db.example.com', 'database: sales', 'username: app', 'password: "${PG_PASSWORD}"') | Out-Null
        $result = Import-DcSource -Path (Join-Path $script:Sources 'pg.yaml') -PassThru -ErrorAction Stop
        $result.Action | Should -Be 'Changed'
        $result.ChangedFields | Should -Be @('ssl_mode')
        (Get-DcSource pg).DisplayName | Should -BeNullOrEmpty
        (Get-Rows $script:Db).connection_info | Should -BeLike '*"ssl_mode": "prefer"*'
    }

    It 'adds the source of a new file; -Prune removes the source of a deleted file, which stays without it' {
        Import-DcSource -Path $script:Sources -ErrorAction Stop
        $null = Write-SourceFile $script:Sources 'pg2.yaml' @('type: postgresql', 'host: h2', 'database: d', 'username: u', 'password: "${PG_PASSWORD}"')
        Remove-Item -LiteralPath (Join-Path $script:Sources 'sf.yml')

        $results = @(Import-DcSource -Path $script:Sources -PassThru -ErrorAction Stop)
        ($results | Where-Object Name -EQ 'pg2').Action | Should -Be 'Added'
        $results.Name | Should -Not -Contain 'sf'
        (Get-Rows $script:Db).name | Should -Be @('dbx', 'pg', 'pg2', 'sf')

        $pruned = @(Import-DcSource -Path $script:Sources -Prune -PassThru -ErrorAction Stop)
        ($pruned | Where-Object Name -EQ 'sf').Action | Should -Be 'Removed'
        @($pruned | Where-Object Name -NE 'sf').Action | Should -Be @('Unchanged', 'Unchanged', 'Unchanged')
        (Get-Rows $script:Db).name | Should -Be @('dbx', 'pg', 'pg2')
        $removal = @(Get-Events $script:Db | Where-Object action -EQ 'remove')
        $removal.source_name | Should -Be @('sf')
        $removal[0].Context.command | Should -Be 'Import-DcSource'
    }

    It 'reports a broken file and a file without type: by file and source, and applies the rest' {
        $broken = Write-SourceFile $script:Sources 'broken.yaml' @('type: postgresql', 'host: [unclosed')
        $untyped = Write-SourceFile $script:Sources 'untyped.yaml' @('host: h', 'database: d', 'username: u', 'password: "${X}"')
        $unknown = Write-SourceFile $script:Sources 'typo.yaml' @('type: postgresql', 'host: h', 'database: d', 'username: u', 'pasword: "${X}"')

        $results = @(Import-DcSource -Path $script:Sources -PassThru -ErrorAction SilentlyContinue -ErrorVariable errors)
        @($results | Where-Object Action -EQ 'Added').Name | Should -Be @('dbx', 'pg', 'sf')
        @($results | Where-Object Action -EQ 'Failed').Name | Should -Be @('broken', 'typo', 'untyped')
        $errors.Count | Should -Be 3
        $errors[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcSourceFileInvalid' 'Import-DcSource')
        $errors[0].Exception.Message | Should -BeLike "*'broken'*$broken*"
        $errors[1].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcSourceInvalid' 'Import-DcSource')
        $errors[1].Exception.Message | Should -BeLike "Source file '$unknown' (source 'typo')*pasword*"
        $errors[2].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcSourceFileTypeMissing' 'Import-DcSource')
        $errors[2].CategoryInfo.Category | Should -Be 'InvalidData'
        $errors[2].Exception.Message | Should -BeLike "Source file '$untyped' (source 'untyped') has no type: key*"
        (Get-Rows $script:Db).name | Should -Be @('dbx', 'pg', 'sf')
    }

    It '-Prune removes nothing while a file cannot be read far enough to name its source' {
        Import-DcSource -Path $script:Sources -ErrorAction Stop
        Remove-Item -LiteralPath (Join-Path $script:Sources 'sf.yml')
        $null = Write-SourceFile $script:Sources 'sf-new.yaml' @('name: sf', 'type: [broken')
        Import-DcSource -Path $script:Sources -Prune -ErrorAction SilentlyContinue -WarningVariable warnings -WarningAction SilentlyContinue
        "$warnings" | Should -BeLike '*-Prune removed nothing*sf-new.yaml*'
        (Get-Rows $script:Db).name | Should -Be @('dbx', 'pg', 'sf')
    }

    It 'applies neither of two files that name the same source, and the others' {
        $null = Write-SourceFile $script:Sources 'other.yaml' @('name: PG', 'type: postgresql', 'host: h', 'database: d', 'username: u', 'password: "${X}"')
        $results = @(Import-DcSource -Path $script:Sources -PassThru -ErrorAction SilentlyContinue -ErrorVariable errors)
        @($results | Where-Object Action -EQ 'Failed').File | Should -Be @((Join-Path $script:Sources 'other.yaml'), (Join-Path $script:Sources 'pg.yaml'))
        $errors.Count | Should -Be 2
        foreach ($record in $errors) {
            $record.FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcImportSourceDuplicate' 'Import-DcSource')
            $record.Exception.Message | Should -BeLike '*other.yaml*pg.yaml*'
        }
        (Get-Rows $script:Db).name | Should -Be @('dbx', 'sf')
    }

    It 'ends before applying anything when a path names no source file' {
        Import-DcSource -Path $script:Sources -ErrorAction Stop
        $hash = Get-Hash $script:Db
        { Import-DcSource -Path $script:Sources, (Join-Path $TestDrive 'no-such-folder') -Prune -ErrorAction Stop } |
            Should -Throw -ErrorId (Get-DcErrorId 'DcImportPathNotFound' 'Import-DcSource')
        $Error[0].Exception.Message | Should -BeLike '*no-such-folder*'
        { Import-DcSource -Path (New-Folder 'empty') -Prune -ErrorAction Stop } | Should -Throw -ErrorId (Get-DcErrorId 'DcImportPathNotFound' 'Import-DcSource')
        Get-Hash $script:Db | Should -Be $hash
    }

    It 'takes files, wildcards and piped files' {
        Import-DcSource -Path (Join-Path $script:Sources 'p*.yaml') -ErrorAction Stop
        (Get-Rows $script:Db).name | Should -Be @('pg')
        Get-ChildItem -LiteralPath $script:Sources -Filter '*.yml' | Import-DcSource -ErrorAction Stop
        (Get-Rows $script:Db).name | Should -Be @('pg', 'sf')
    }

    It 'takes a name with [ and ] as typed with -LiteralPath, and from Get-ChildItem, where -Path reads it as a wildcard' {
        $folder = New-Folder 'brackets'
        $file = Write-SourceFile $folder '[prod].yaml' @('name: prod', 'type: postgresql', 'host: db.example.com', 'database: sales', 'username: app', 'password: "${PG_PASSWORD}"')
        # As a wildcard, [prod] matches one of p, r, o, d: no file is called that.
        { Import-DcSource -Path $file -ErrorAction Stop } | Should -Throw -ErrorId (Get-DcErrorId 'DcImportPathNotFound' 'Import-DcSource')
        Test-Path $script:Db | Should -BeFalse
        (Import-DcSource -LiteralPath $file -PassThru -ErrorAction Stop).Action | Should -Be 'Added'
        (Get-Rows $script:Db).name | Should -Be @('prod')
        (Get-ChildItem -LiteralPath $folder | Import-DcSource -PassThru -ErrorAction Stop).Action | Should -Be 'Unchanged'
        { Import-DcSource -LiteralPath (Join-Path $folder 'p*.yaml') -ErrorAction Stop } | Should -Throw -ErrorId (Get-DcErrorId 'DcImportPathNotFound' 'Import-DcSource')
        $Error[0].Exception.Message | Should -BeLike "*-LiteralPath '*p``*.yaml' names no source file*"
    }

    It 'refuses to change the type of a source' {
        Import-DcSource -Path $script:Sources -ErrorAction Stop
        Write-SourceFile $script:Sources 'sf.yml' @('type: postgresql', 'host: h', 'database: d', 'username: u', 'password: "${X}"') | Out-Null
        $hash = Get-Hash $script:Db
        Import-DcSource -Path $script:Sources -ErrorAction SilentlyContinue -ErrorVariable errors
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcSourceFileConflict' 'Import-DcSource')
        $errors[0].Exception.Message | Should -BeLike "*sf.yml*'sf'*snowflake*"
        Get-Hash $script:Db | Should -Be $hash
    }

    It 'writes a literal password to the vault the first time, and not again when the vault holds it' {
        $canary = New-Canary 'import-vault'
        $file = Write-SourceFile (New-Folder 'vaulted') 'pgv.yaml' @('type: postgresql', 'host: h', 'database: d', 'username: u', "password: $canary")
        Clear-TestVaultCall $script:Vault
        Import-DcSource -Path $file -Vault $script:Vault -ErrorAction Stop
        @(Get-SetSecretCalls) | Should -Be @('Set-Secret DataCompass-pgv-password')
        (Get-Rows $script:Db).connection_info | Should -BeLike "*`"password`": `"`${secret:$($script:Vault)/DataCompass-pgv-password}`"*"
        Get-Secret -Vault $script:Vault -Name DataCompass-pgv-password -AsPlainText | Should -BeExactly $canary
        $hash = Get-Hash $script:Db

        Clear-TestVaultCall $script:Vault
        $second = Import-DcSource -Path $file -Vault $script:Vault -PassThru -ErrorAction Stop
        $second.Action | Should -Be 'Unchanged'
        @(Get-SetSecretCalls) | Should -BeNullOrEmpty
        @(Get-TestVaultCall -Name $script:Vault) | Should -Contain 'Get-Secret DataCompass-pgv-password' -Because 'the stored secret is read back to compare'
        Get-Hash $script:Db | Should -Be $hash

        $rotated = New-Canary 'import-rotated'
        Write-SourceFile (Split-Path $file) 'pgv.yaml' @('type: postgresql', 'host: h', 'database: d', 'username: u', "password: $rotated") | Out-Null
        Clear-TestVaultCall $script:Vault
        $third = Import-DcSource -Path $file -Vault $script:Vault -PassThru -ErrorAction Stop
        $third.Action | Should -Be 'Changed'
        $third.ChangedFields | Should -Be @('password')
        @(Get-SetSecretCalls) | Should -Be @('Set-Secret DataCompass-pgv-password-2')
        (Get-DcSourceConnection pgv -AsPlainText).Settings['password'] | Should -BeExactly $rotated
    }

    It 'counts an encrypted value equal to the literal once decrypted as unchanged' {
        Set-TestVariable 'DATACOMPASS_ENCRYPTION_KEY' (New-FernetKeyText)
        $file = Write-SourceFile (New-Folder 'encrypted') 'pge.yaml' @('type: postgresql', 'host: h', 'database: d', 'username: u', "password: $(New-Canary 'import-enc')")
        Import-DcSource -Path $file -Encrypt -ErrorAction Stop
        (Get-Rows $script:Db).connection_info | Should -BeLike '*"password": "enc:v1:*'
        $hash = Get-Hash $script:Db
        (Import-DcSource -Path $file -Encrypt -PassThru -ErrorAction Stop).Action | Should -Be 'Unchanged'
        Get-Hash $script:Db | Should -Be $hash
    }

    It 'recreates identical sources from an export in a new catalog (Export-DcSource, then Import-DcSource)' {
        Import-DcSource -Path $script:Sources -ErrorAction Stop
        Add-DcSource -Name pg-odd -Type postgresql -DisplayName 'Prod: #1' -ErrorAction Stop -Connection ([ordered]@{
                host = 'yes'; port = '${PG_PORT:-5432}'; database = '010'; username = '${secret:Store/u}'; password = '${secret:Store/p}'
                exclude_schemas = @('~', 'null', ''); schema_filter = 'a: b # c'; connect_timeout = 42
            })
        $export = New-Folder 'export'
        Export-DcSource -Path $export -ErrorAction Stop
        $copy = Join-Path (New-Folder 'copy') 'datacompass.db'

        $results = @(Import-DcSource -Path $export -Database $copy -PassThru -ErrorAction Stop)
        $results.Action | Should -Be @('Added', 'Added', 'Added', 'Added')
        $original = Get-Rows $script:Db
        $copied = Get-Rows $copy
        $copied.name | Should -Be $original.name
        $copied.display_name | Should -Be $original.display_name
        $copied.source_type | Should -Be $original.source_type
        $copied.connection_info | Should -Be $original.connection_info
        @(Import-DcSource -Path $export -Database $copy -PassThru -ErrorAction Stop).Action | Should -Be @('Unchanged', 'Unchanged', 'Unchanged', 'Unchanged')
    }

    It 'keeps an inactive source inactive through Export-DcSource and Import-DcSource, and a second run changes nothing' {
        Import-DcSource -Path $script:Sources -ErrorAction Stop
        Set-DcSource -Name pg -Active $false -ErrorAction Stop
        $export = New-Folder 'export-inactive'
        Export-DcSource -Path $export -ErrorAction Stop
        Get-Content -LiteralPath (Join-Path $export 'pg.yaml') | Should -Contain 'active: false'
        Get-Content -LiteralPath (Join-Path $export 'sf.yaml') | Should -Not -Match '^active:' -Because 'an active source is exported as before, without the key'
        $copy = Join-Path (New-Folder 'copy-inactive') 'datacompass.db'

        $results = @(Import-DcSource -Path $export -Database $copy -PassThru -ErrorAction Stop)
        $results.Action | Should -Be @('Added', 'Added', 'Added')
        $rows = @(Invoke-RawSql -Database $copy -ReadOnly -Sql 'SELECT name, is_active FROM data_sources ORDER BY name')
        @($rows | ForEach-Object { "$($_.name)=$($_.is_active)" }) | Should -Be @('dbx=1', 'pg=0', 'sf=1')
        (Get-DcSource pg -Database $copy).IsActive | Should -BeFalse
        $added = @(Get-Events $copy | Where-Object source_name -EQ 'pg')
        $added.action | Should -Be @('add')
        $added[0].Fields.is_active.new | Should -Be 'false'
        $hash = Get-Hash $copy

        @(Import-DcSource -Path $export -Database $copy -PassThru -ErrorAction Stop).Action | Should -Be @('Unchanged', 'Unchanged', 'Unchanged')
        Get-Hash $copy | Should -Be $hash
        @(Get-Events $copy).Count | Should -Be 3
    }

    It 'changes the active flag when the file flips active:, recorded in the set event, and the plan shows it' {
        $file = Join-Path $script:Sources 'pg.yaml'
        Import-DcSource -Path $file -ErrorAction Stop
        $id = (Get-Rows $script:Db).id
        Add-Content -LiteralPath $file -Value 'active: false'

        $child = Invoke-ChildPwsh -Script @"
Import-Module '$($script:DcModulePath)'
Import-DcSource -Path '$file' -Database '$($script:Db)' -WhatIf
"@
        $child.Text | Should -Match 'What if: Performing the operation "Set" on target "source ''pg'' \(postgresql\) from .*pg\.yaml in .*: is_active: true -> false"'
        (Get-DcSource pg).IsActive | Should -BeTrue -Because '-WhatIf changes nothing'

        $result = Import-DcSource -Path $file -PassThru -ErrorAction Stop
        $result.Action | Should -Be 'Changed'
        $result.ChangedFields | Should -Be @('is_active')
        $result.Message | Should -Be 'is_active: true -> false'
        (Get-DcSource pg).IsActive | Should -BeFalse
        (Get-Rows $script:Db).id | Should -Be $id
        $set = @(Get-Events $script:Db | Where-Object action -EQ 'set')
        $set.Count | Should -Be 1
        @($set[0].Fields.Keys) | Should -Be @('is_active')
        $set[0].Fields.is_active.old | Should -Be 'true'
        $set[0].Fields.is_active.new | Should -Be 'false'
        (Import-DcSource -Path $file -PassThru -ErrorAction Stop).Action | Should -Be 'Unchanged'

        (Get-Content -LiteralPath $file) -replace '^active: false$', 'active: true' | Set-Content -LiteralPath $file
        (Import-DcSource -Path $file -PassThru -ErrorAction Stop).ChangedFields | Should -Be @('is_active')
        (Get-DcSource pg).IsActive | Should -BeTrue
        @(Get-Events $script:Db | Where-Object action -EQ 'set')[-1].Fields.is_active.new | Should -Be 'true'

        (Get-Content -LiteralPath $file) | Where-Object { $_ -notlike 'active:*' } | Set-Content -LiteralPath $file
        (Import-DcSource -Path $file -PassThru -ErrorAction Stop).Action | Should -Be 'Unchanged' -Because 'a file without active: is an active source'
    }

    It 'refuses active: maybe by file and key with DcSourceFileInvalid, and leaves the catalog exactly as it was' {
        Import-DcSource -Path $script:Sources -ErrorAction Stop
        $file = Write-SourceFile $script:Sources 'pg.yaml' @('type: postgresql', 'active: maybe', 'host: other', 'database: sales', 'username: app', 'password: "${PG_PASSWORD}"')
        $hash = Get-Hash $script:Db

        $results = @(Import-DcSource -Path $script:Sources -Prune -PassThru -ErrorAction SilentlyContinue -ErrorVariable errors -WarningAction SilentlyContinue)
        ($results | Where-Object Action -EQ 'Failed').File | Should -Be $file
        @($results | Where-Object Action -NE 'Failed').Action | Should -Be @('Unchanged', 'Unchanged')
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcSourceFileInvalid' 'Import-DcSource')
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $errors[0].Exception.Message | Should -BeLike "*'$file'*'active' must be true or false*"
        $errors[0].Exception.Message | Should -Not -Match 'maybe'
        Get-Hash $script:Db | Should -Be $hash
        (Get-Rows $script:Db).name | Should -Be @('dbx', 'pg', 'sf') -Because '-Prune removes nothing while a file cannot be read'

        { Add-DcSource -Name pg2 -Type postgresql -Path $file -ErrorAction Stop } | Should -Throw -ErrorId (Get-DcErrorId 'DcSourceFileInvalid' 'Add-DcSource')
        Get-Hash $script:Db | Should -Be $hash
    }

    It '-WhatIf prints the plan per source, never a value, and writes nothing' {
        Import-DcSource -Path $script:Sources -ErrorAction Stop
        $canary = New-Canary 'import-whatif'
        Add-Content -LiteralPath (Join-Path $script:Sources 'pg.yaml') -Value 'port: 6432'
        Remove-Item -LiteralPath (Join-Path $script:Sources 'sf.yml')
        $null = Write-SourceFile $script:Sources 'new.yaml' @('type: postgresql', 'host: h', 'database: d', 'username: u', "password: $canary")
        $before = Get-FolderSnapshot $script:Dir | Where-Object { $_ -notlike '*-shm *' -and $_ -notlike '*-wal *' }
        Clear-TestVaultCall $script:Vault

        $child = Invoke-ChildPwsh -Script @"
Import-Module '$($script:DcModulePath)'
Import-DcSource -Path '$($script:Sources)' -Database '$($script:Db)' -Vault '$($script:Vault)' -Prune -WhatIf -PassThru
'exit'
"@
        $child.Text | Should -Match 'What if: Performing the operation "Set" on target "source ''pg'' \(postgresql\) from .*pg\.yaml in .*: port: literal -> literal"'
        $child.Text | Should -Match "What if: Performing the operation `"Add`" on target `"source 'new' \(postgresql\).*writing password -> \`$\{secret:$($script:Vault)/DataCompass-new-password\}"
        $child.Text | Should -Match 'What if: Performing the operation "Keep" on target "source ''dbx'' \(databricks\).*: unchanged"'
        $child.Text | Should -Match 'What if: Performing the operation "Remove" on target "source ''sf'' \(snowflake\).*in none of the files"'
        $child.Output[-1] | Should -Be 'exit' -Because '-WhatIf -PassThru returns no result for what was not done'
        $child.Text | Should -Not -Match ([regex]::Escape(($canary -split '-')[-1]))
        Get-FolderSnapshot $script:Dir | Where-Object { $_ -notlike '*-shm *' -and $_ -notlike '*-wal *' } | Should -Be $before
        @(Get-SetSecretCalls) | Should -BeNullOrEmpty
    }

    It '-WhatIf creates no catalog' {
        $missing = Join-Path (New-Folder 'none') 'sub/datacompass.db'
        Import-DcSource -Path $script:Sources -Database $missing -WhatIf
        Split-Path $missing | Should -Not -Exist
    }

    It 'lets a canary literal secret reach only the vault: no stream, catalog file, audit row or $Error' {
        $canary = New-Canary 'import-sweep'
        $folder = New-Folder 'sweep'
        $null = Write-SourceFile $folder 'leak.yaml' @('type: postgresql', 'display_name: Leak', 'host: h', 'database: d', 'username: u', "password: $canary")
        $null = Write-SourceFile $folder 'leak-bad.yaml' @('type: postgresql', 'host: h', 'database: d', 'username: u', "password: $canary", "pasword: $canary")
        $null = Write-SourceFile $folder 'leak-mixed.yaml' @('type: postgresql', 'host: h', 'database: d', 'username: u', "password: x`${PG_PASSWORD}$canary")

        $text = Get-StreamText {
            Import-DcSource -Path $folder -Vault $script:Vault -PassThru -Verbose | Format-Table | Out-String -Width 300
            Import-DcSource -Path $folder -Vault $script:Vault -PassThru -Verbose | Format-List | Out-String -Width 300
            Write-SourceFile $folder 'leak.yaml' @('type: postgresql', 'host: h', 'database: d', 'username: u', "password: $canary-2") | Out-Null
            Import-DcSource -Path $folder -Vault $script:Vault -PassThru -Verbose -Prune
        }
        $text | Should -Match 'Added'
        $text | Should -Match "unknown field 'pasword'"
        $text | Should -Match 'mixes literal text with references'
        $text.Contains(($canary -split '-')[-1]) | Should -BeFalse -Because 'no stream or $Error may hold the secret'
        $files = @(Get-ChildItem -LiteralPath $script:Dir -File | ForEach-Object FullName)
        Test-AnyContains -Path $files -Text (($canary -split '-')[-1]) | Should -BeFalse -Because 'the catalog, its -wal and config hold references only'
        (Invoke-RawSql -Database $script:Db -ReadOnly -Sql 'SELECT fields, context FROM dc_audit_events' | ConvertTo-Json -Compress) |
            Should -Not -Match ([regex]::Escape(($canary -split '-')[-1]))
        Get-Secret -Vault $script:Vault -Name DataCompass-leak-password-2 -AsPlainText | Should -BeExactly "$canary-2"
    }
    It '-Prune -RemoveSecret also removes the vault secret DataCompass created for a pruned source; -Prune alone keeps it' {
        $folder = New-Folder 'prune-secret'
        $keep = Write-SourceFile $folder 'keep.yaml' @('type: postgresql', 'host: h', 'database: d', 'username: u', 'password: "${PG_PASSWORD}"')
        $null = Write-SourceFile $folder 'pa.yaml' @('type: postgresql', 'host: h', 'database: d', 'username: u', "password: $(New-Canary 'prune-a')")
        $null = Write-SourceFile $folder 'pb.yaml' @('type: postgresql', 'host: h', 'database: d', 'username: u', "password: $(New-Canary 'prune-b')")
        Import-DcSource -Path $folder -Vault $script:Vault -ErrorAction Stop
        Remove-Item -LiteralPath (Join-Path $folder 'pa.yaml')
        Import-DcSource -Path $folder -Vault $script:Vault -Prune -ErrorAction Stop
        Get-SecretInfo -Vault $script:Vault -Name DataCompass-pa-password | Should -Not -BeNullOrEmpty -Because 'a pruned source comes back as it was when its file is restored'
        Remove-Item -LiteralPath (Join-Path $folder 'pb.yaml')
        Import-DcSource -Path $keep -Vault $script:Vault -Prune -RemoveSecret -ErrorAction Stop
        Get-SecretInfo -Vault $script:Vault -Name DataCompass-pb-password | Should -BeNullOrEmpty
        (Get-Rows $script:Db).name | Should -Be @('keep')
    }

    It 'runs every example of its help, in order, against a real catalog' {
        $examples = @((Get-Help Import-DcSource -Full).examples.example)
        $examples.Count | Should -BeGreaterOrEqual 2
        Push-Location -LiteralPath (New-Folder 'examples')
        try {
            foreach ($example in $examples) {
                $code = "$($example.code)".Trim()
                { $ErrorActionPreference = 'Stop'; $null = . ([scriptblock]::Create($code)) } | Should -Not -Throw -Because "the example '$($example.title.Trim('- '))' must run"
            }
            (Get-Rows $script:Db).connection_info | Should -BeLike '*"host": "db2.example.com"*'
            (Get-Rows (Join-Path (Get-Location) 'copy/datacompass.db')).name | Should -Be @('prod')
        }
        finally {
            Pop-Location
        }
    }
}
