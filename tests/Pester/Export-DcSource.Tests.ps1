#Requires -Version 7.4
# Export-DcSource: real sources exported to real YAML files and added back with Add-DcSource -Path into a new catalog
# give the same stored connection_info (all three adapters, secret_ref, references, lists, numbers, odd strings);
# secrets that are no reference become placeholders with a warning and never reach a file, a stream or $Error;
# -PassThru, -Force, -WhatIf, file modes, errors, and the catalog file left byte-identical.

BeforeDiscovery {
    $script:RoundTrips = & $PSScriptRoot/ExportRoundTripCases.ps1
}

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/RawSql.ps1
    . $PSScriptRoot/EncryptionHelpers.ps1
    Import-Module $script:DcModulePath -Force

    $script:EnvNames = @('DATACOMPASS_DATA_DIR', 'DATACOMPASS_ENCRYPTION_KEY')
    $script:SavedEnv = @{}
    foreach ($name in $script:EnvNames) { $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name) }

    function New-Folder([string] $Label) {
        $folder = Join-Path $TestDrive ("$Label-{0}" -f [guid]::NewGuid().ToString('n').Substring(0, 8))
        $null = New-Item -ItemType Directory -Path $folder
        $folder
    }

    function Get-Row([string] $Database, [string] $Name) {
        Invoke-RawSql -Database $Database -ReadOnly -Sql 'SELECT name, display_name, source_type, connection_info FROM data_sources WHERE name = $name' -Parameters @{ '$name' = $Name }
    }

    function Get-FileHashText([string] $Path) { (Get-FileHash -Algorithm SHA256 -LiteralPath $Path).Hash }

    function Add-Pg([string] $Database, [string] $Name, [string] $Password = '${PG_PASSWORD}', [hashtable] $Extra = @{}) {
        $arguments = @{
            Name = $Name; Type = 'postgresql'; Database = $Database; ErrorAction = 'Stop'; WarningAction = 'SilentlyContinue'
            Connection = @{ host = 'db.example.com'; database = 'sales'; username = 'app'; password = $Password }
        }
        foreach ($key in $Extra.Keys) { $arguments[$key] = $Extra[$key] }
        Add-DcSource @arguments
    }

    $script:RoundTrips = & $PSScriptRoot/ExportRoundTripCases.ps1
}

AfterAll {
    Restore-TestEnvironment
}

Describe 'Export-DcSource' -Tag 'Integration' {
    BeforeEach {
        Restore-TestEnvironment
        Set-TestVariable 'DATACOMPASS_ENCRYPTION_KEY' $null
        $script:Dir = New-Folder 'catalog'
        $script:Db = Join-Path $script:Dir 'datacompass.db'
        Set-TestVariable 'DATACOMPASS_DATA_DIR' $script:Dir
    }

    Context 'round trip through Add-DcSource -Path' {
        It 'gives <Name> (<Type>) the same connection_info and display name in a new catalog' -ForEach $script:RoundTrips {
            Add-DcSource -Name $Name -Type $Type -DisplayName $DisplayName -Connection $Connection -Database $script:Db -ErrorAction Stop
            $folder = Join-Path $TestDrive "export-$(New-Guid)"
            $copy = Join-Path (New-Folder 'copy') 'copy.db'

            Export-DcSource -Name $Name -Path $folder -Database $script:Db -ErrorAction Stop -WarningVariable warnings
            Add-DcSource -Name $Name -Type $Type -Path (Join-Path $folder "$Name.yaml") -Database $copy -ErrorAction Stop

            $warnings | Should -BeNullOrEmpty -Because 'references are exported as they are'
            $original = Get-Row $script:Db $Name
            $again = Get-Row $copy $Name
            $again.connection_info | Should -BeExactly $original.connection_info
            $again.display_name | Should -BeExactly $original.display_name
            $again.source_type | Should -BeExactly $Type
        }

        It 'writes active: false for an inactive source only, and Add-DcSource -Path adds it inactive' {
            Add-Pg $script:Db 'idle'
            Add-Pg $script:Db 'busy'
            Set-DcSource -Name idle -Active $false -Database $script:Db -ErrorAction Stop
            $folder = New-Folder 'export-active'
            $copy = Join-Path (New-Folder 'copy') 'copy.db'

            Export-DcSource -Path $folder -Database $script:Db -ErrorAction Stop
            @(Get-Content -LiteralPath (Join-Path $folder 'idle.yaml'))[0..2] | Should -Be @('name: idle', 'type: postgresql', 'active: false')
            Get-Content -LiteralPath (Join-Path $folder 'busy.yaml') | Should -Not -Match 'active'
            Add-DcSource -Name idle -Type postgresql -Path (Join-Path $folder 'idle.yaml') -Database $copy -ErrorAction Stop
            Add-DcSource -Name busy -Type postgresql -Path (Join-Path $folder 'busy.yaml') -Database $copy -ErrorAction Stop

            (Get-DcSource idle -Database $copy).IsActive | Should -BeFalse
            (Get-DcSource busy -Database $copy).IsActive | Should -BeTrue
            (Get-Row $copy 'idle').connection_info | Should -BeExactly (Get-Row $script:Db 'idle').connection_info
        }

        It 'writes the odd strings quoted and plain values plain' {
            $case = $script:RoundTrips[0]
            Add-DcSource -Name $case.Name -Type $case.Type -DisplayName $case.DisplayName -Connection $case.Connection -Database $script:Db -ErrorAction Stop
            $yaml = (Export-DcSource -Name $case.Name -PassThru -Database $script:Db -ErrorAction Stop).Yaml

            $lines = $yaml -split "`n"
            $lines[0..2] | Should -Be @('name: pg-odd', 'type: postgresql', 'display_name: "Prod: main #1"')
            foreach ($line in 'host: "yes"', 'database: "010"', 'port: "${PG_PORT:-5432}"', 'ssl_mode: verify-full', 'connect_timeout: 42',
                '  - "~"', '  - "null"', '  - "@x"', '  - "*y"', '  - "off"', '  - "tab\there"', '  - "ü \"q\" \\"', '  - ""', '  - line1', '  - "NO"') {
                $lines | Should -Contain $line
            }
            $lines | Should -Not -Contain 'schema_filter: a: b # not a comment'
        }

        It 'writes what a Python-tool catalog stored, and leaves out a field without a value' {
            Add-Pg $script:Db 'py'
            $info = (Get-Row $script:Db 'py').connection_info | ConvertFrom-Json -AsHashtable
            $info.schema_filter | Should -BeNullOrEmpty
            $yaml = (Export-DcSource py -PassThru -Database $script:Db).Yaml
            $yaml | Should -Not -Match 'schema_filter'
            $yaml | Should -Match "(?m)^exclude_schemas:\n  - pg_catalog\n  - information_schema\n  - pg_toast\n"
        }
    }

    Context 'secrets that are no reference' {
        BeforeEach {
            $script:Canaries = @{ plaintext = (New-Canary 'ExpPlain'); encrypted = (New-Canary 'ExpEnc'); default = (New-Canary 'ExpDefault') }
            Add-Pg $script:Db 'plain-pg' $script:Canaries.plaintext @{ AllowPlaintext = $true }
            Add-Pg $script:Db 'with-default' "`${PG_PASSWORD:-$($script:Canaries.default)}" @{ AllowPlaintext = $true }
            Set-TestVariable 'DATACOMPASS_ENCRYPTION_KEY' (New-FernetKeyText)
            Add-DcSource -Name 'enc.sf' -Type snowflake -Encrypt -Database $script:Db -ErrorAction Stop -Connection @{
                account = 'a'; warehouse = 'w'; database = 'd'; username = 'u'; password = $script:Canaries.encrypted }
            Add-Pg $script:Db 'legacy'
            $info = (Get-Row $script:Db 'legacy').connection_info -replace '"\$\{PG_PASSWORD\}"', '"**********"'
            $null = Invoke-RawSql -Database $script:Db -Sql 'UPDATE data_sources SET connection_info = $info WHERE name = ''legacy''' -Parameters @{ '$info' = $info }
            (Get-Row $script:Db 'enc.sf').connection_info | Should -Match '"password": "enc:v1:'
            (Get-Row $script:Db 'plain-pg').connection_info | Should -Match ([regex]::Escape("`"password`": `"$($script:Canaries.plaintext)`""))
        }

        It 'exports each as ${SOURCE_FIELD} with a warning naming source, field and variable, and the value reaches no file, stream or $Error' {
            $folder = Join-Path $TestDrive "secrets-$(New-Guid)"
            $before = Get-FileHashText $script:Db
            $text = Get-StreamText { Export-DcSource -Path $folder -Database $script:Db -Verbose -WarningVariable script:Warned; Export-DcSource -PassThru -Database $script:Db }

            $expected = [ordered]@{ 'plain-pg' = 'PLAIN_PG_PASSWORD'; 'enc.sf' = 'ENC_SF_PASSWORD'; 'with-default' = 'WITH_DEFAULT_PASSWORD'; 'legacy' = 'LEGACY_PASSWORD' }
            foreach ($source in $expected.Keys) {
                $file = Join-Path $folder "$source.yaml"
                Get-Content -Raw -LiteralPath $file | Should -Match ([regex]::Escape("password: `"`${$($expected[$source])}`"`n"))
                @($script:Warned | Where-Object { "$_" -like "Source '$source', field 'password' *`${$($expected[$source])}*environment variable $($expected[$source])*" }).Count | Should -Be 1
            }
            $script:Warned.Count | Should -Be 4
            $text | Should -BeLike "*Source 'enc.sf', field 'password' is stored encrypted*"
            $text | Should -BeLike "*Source 'legacy', field 'password' holds the Python tool's legacy*"
            $text | Should -BeLike "*Source 'plain-pg', field 'password' is stored in plaintext*"

            $streams = Join-Path $TestDrive "streams-$(New-Guid).txt"
            Set-Content -LiteralPath $streams -Value $text
            @(Find-Canary -Path (@(Get-ChildItem -LiteralPath $folder -File).FullName + $streams) -Canaries $script:Canaries) | Should -BeNullOrEmpty
            @(Get-ChildItem -LiteralPath $folder -File).Name | Sort-Object | Should -Be @('enc.sf.yaml', 'legacy.yaml', 'plain-pg.yaml', 'with-default.yaml')
            Get-FileHashText $script:Db | Should -Be $before -Because 'an export changes nothing in the catalog, and decrypts nothing'
        }

        It 'adds back with the placeholder as the password reference' {
            $folder = Join-Path $TestDrive "secrets-$(New-Guid)"
            Export-DcSource -Name plain-pg -Path $folder -Database $script:Db -WarningAction SilentlyContinue
            $copy = Join-Path (New-Folder 'copy') 'copy.db'
            Add-DcSource -Name plain-pg -Type postgresql -Path (Join-Path $folder 'plain-pg.yaml') -Database $copy -ErrorAction Stop
            ((Get-Row $copy 'plain-pg').connection_info | ConvertFrom-Json).password | Should -BeExactly '${PLAIN_PG_PASSWORD}'
            (Get-DcSource plain-pg -Database $copy).HasPlaintextSecret | Should -BeFalse
        }
    }

    Context '-PassThru' {
        It 'returns Name, Type and the YAML of each source and writes nothing' {
            Add-Pg $script:Db 'a'
            Add-Pg $script:Db 'b'
            $empty = New-Folder 'cwd'
            # A read may leave the catalog's -shm and -wal files: the catalog itself is compared byte for byte.
            $before = Get-FolderSnapshot $TestDrive | Where-Object { $_ -notmatch '\.db-(shm|wal) ' }
            Push-Location -LiteralPath $empty
            try { $exports = @(Export-DcSource -PassThru -Database $script:Db -ErrorAction Stop) } finally { Pop-Location }

            $exports.Count | Should -Be 2
            $exports[0] | Should -BeOfType 'DataCompass.DcSourceExport'
            $exports.Name | Should -Be @('a', 'b')
            $exports.Type | Should -Be @('postgresql', 'postgresql')
            $exports[1].Yaml | Should -BeLike "name: b`ntype: postgresql`nhost: db.example.com`n*password: `"`${PG_PASSWORD}`"`n*"
            "$($exports[0])" | Should -BeExactly $exports[0].Yaml
            Get-FolderSnapshot $TestDrive | Where-Object { $_ -notmatch '\.db-(shm|wal) ' } | Should -Be $before
        }

        It 'takes names from the pipeline and selects by wildcard and type, reporting a missing exact name' {
            Add-Pg $script:Db 'pg-1'
            Add-Pg $script:Db 'pg-2'
            Add-DcSource -Name 'pg-sf' -Type snowflake -Database $script:Db -ErrorAction Stop -Connection @{ account = 'a'; warehouse = 'w'; database = 'd'; username = 'u'; password = '${SF}' }

            @(Export-DcSource 'pg-*' -Type postgresql -PassThru -Database $script:Db).Name | Should -Be @('pg-1', 'pg-2')
            @(Get-DcSource 'pg-2', 'pg-sf' -Database $script:Db | Export-DcSource -PassThru).Name | Should -Be @('pg-2', 'pg-sf')
            $exports = @(Export-DcSource 'pg-1', 'nosuch', 'pg-sf' -Type postgresql -PassThru -Database $script:Db -ErrorVariable problems -ErrorAction SilentlyContinue)
            $exports.Name | Should -Be @('pg-1')
            @($problems).FullyQualifiedErrorId | Should -Be @((Get-DcErrorId 'DcSourceNotFound' 'Export-DcSource'), (Get-DcErrorId 'DcSourceNotFound' 'Export-DcSource'))
        }
    }

    Context 'files' {
        BeforeEach {
            Add-Pg $script:Db 'one'
            Add-Pg $script:Db 'two'
        }

        It 'refuses to replace an existing file without -Force, leaves it as it was, and still exports the others' {
            $folder = New-Folder 'out'
            Set-Content -LiteralPath (Join-Path $folder 'one.yaml') -Value 'keep: me'
            $before = Get-FileHashText (Join-Path $folder 'one.yaml')

            Export-DcSource -Path $folder -Database $script:Db -ErrorVariable problems -ErrorAction SilentlyContinue

            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -Be (Get-DcErrorId 'DcExportFileExists' 'Export-DcSource')
            $problems[0].CategoryInfo.Category | Should -Be 'ResourceExists'
            $problems[0].Exception.Message | Should -BeLike "*'one'*'$(Join-Path $folder 'one.yaml')'*-Force*"
            $problems[0].TargetObject | Should -Be (Join-Path $folder 'one.yaml')
            Get-FileHashText (Join-Path $folder 'one.yaml') | Should -Be $before
            Join-Path $folder 'two.yaml' | Should -Exist
            @(Get-ChildItem -LiteralPath $folder -Force).Name | Sort-Object | Should -Be @('one.yaml', 'two.yaml') -Because 'no temporary file is left behind'
        }

        It 'replaces it with -Force' {
            $folder = New-Folder 'out'
            Set-Content -LiteralPath (Join-Path $folder 'one.yaml') -Value 'keep: me'
            Export-DcSource -Path $folder -Force -Database $script:Db -ErrorAction Stop
            Get-Content -Raw -LiteralPath (Join-Path $folder 'one.yaml') | Should -BeLike "name: one`ntype: postgresql`n*"
        }

        It 'writes nothing with -WhatIf, not even the folder' {
            $folder = Join-Path $TestDrive "nested-$(New-Guid)/out"
            $before = Get-FileHashText $script:Db
            Export-DcSource -Path $folder -Database $script:Db -WhatIf -ErrorAction Stop
            Split-Path -Parent $folder | Should -Not -Exist
            Get-FileHashText $script:Db | Should -Be $before
        }

        It 'writes files 0600 into new folders 0700' -Skip:$IsWindows {
            $parent = Join-Path $TestDrive "modes-$(New-Guid)"
            $folder = Join-Path $parent 'inner'
            Export-DcSource -Path $folder -Database $script:Db -ErrorAction Stop
            (Get-Item -LiteralPath $parent).UnixFileMode | Should -Be ([IO.UnixFileMode] 'UserRead, UserWrite, UserExecute')
            (Get-Item -LiteralPath $folder).UnixFileMode | Should -Be ([IO.UnixFileMode] 'UserRead, UserWrite, UserExecute')
            foreach ($file in Get-ChildItem -LiteralPath $folder -File) {
                $file.UnixFileMode | Should -Be ([IO.UnixFileMode] 'UserRead, UserWrite')
            }
        }

        It 'resolves a relative -Path against the current location' {
            $cwd = New-Folder 'cwd'
            Push-Location -LiteralPath $cwd
            try { Export-DcSource one -Path ./rel -Database $script:Db -ErrorAction Stop } finally { Pop-Location }
            Join-Path $cwd 'rel/one.yaml' | Should -Exist
        }
    }

    Context 'errors' {
        It 'ends with DcCatalogNotFound for a missing catalog and creates neither a catalog nor the folder' {
            $missing = Join-Path $TestDrive 'no/such/c.db'
            $folder = Join-Path $TestDrive "never-$(New-Guid)"
            { Export-DcSource -Path $folder -Database $missing -ErrorAction Stop } | Should -Throw -ErrorId (Get-DcErrorId 'DcCatalogNotFound' 'Export-DcSource')
            $folder | Should -Not -Exist
            Join-Path $TestDrive 'no' | Should -Not -Exist
        }

        It 'refuses a -Path that is a file, and an empty one, with DcExportPathInvalid' {
            Add-Pg $script:Db 'one'
            $file = Join-Path $script:Dir 'a-file'
            Set-Content -LiteralPath $file -Value 'x'
            { Export-DcSource -Path $file -Database $script:Db -ErrorAction Stop } | Should -Throw -ErrorId (Get-DcErrorId 'DcExportPathInvalid' 'Export-DcSource')
            $Error[0].Exception.Message | Should -BeLike "*'$file'*folder*"
            $Error[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            { Export-DcSource -Path '' -Database $script:Db -ErrorAction Stop } | Should -Throw -ErrorId (Get-DcErrorId 'DcExportPathInvalid' 'Export-DcSource')
        }

        It 'reports a stored name that cannot be a file name, and exports the others' {
            Add-Pg $script:Db 'good'
            Add-Pg $script:Db 'renamed'
            $null = Invoke-RawSql -Database $script:Db -Sql 'UPDATE data_sources SET name = ''../evil'' WHERE name = ''renamed'''
            $folder = New-Folder 'out'
            Export-DcSource -Path $folder -Database $script:Db -ErrorVariable problems -ErrorAction SilentlyContinue
            @($problems).FullyQualifiedErrorId | Should -Be @((Get-DcErrorId 'DcSourceNameInvalid' 'Export-DcSource'))
            @(Get-ChildItem -LiteralPath $folder).Name | Should -Be @('good.yaml')
            Join-Path $TestDrive 'evil.yaml' | Should -Not -Exist
        }
    }

    Context 'the name: and type: keys read by Add-DcSource -Path' {
        BeforeEach {
            Add-Pg $script:Db 'prod' -Extra @{ DisplayName = 'Production' }
            $script:Folder = New-Folder 'out'
            Export-DcSource prod -Path $script:Folder -Database $script:Db -ErrorAction Stop
            $script:File = Join-Path $script:Folder 'prod.yaml'
            $script:Copy = Join-Path (New-Folder 'copy') 'copy.db'
        }

        It 'refuses a -Name or -Type that differs from the file with DcSourceFileConflict, and adds nothing' {
            { Add-DcSource -Name other -Type postgresql -Path $script:File -Database $script:Copy -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-DcErrorId 'DcSourceFileConflict' 'Add-DcSource')
            $Error[0].Exception.Message | Should -BeLike "*'$($script:File)'*'prod'*'other'*"
            { Add-DcSource -Name prod -Type snowflake -Path $script:File -Database $script:Copy -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-DcErrorId 'DcSourceFileConflict' 'Add-DcSource')
            $script:Copy | Should -Not -Exist
        }

        It 'takes the display name from the file unless -DisplayName is given' {
            Add-DcSource -Name prod -Type PostgreSQL -Path $script:File -Database $script:Copy -ErrorAction Stop
            (Get-DcSource prod -Database $script:Copy).DisplayName | Should -Be 'Production'
            Remove-DcSource prod -Database $script:Copy -Confirm:$false
            Add-DcSource -Name prod -Type postgresql -DisplayName 'Given' -Path $script:File -Database $script:Copy -ErrorAction Stop
            (Get-DcSource prod -Database $script:Copy).DisplayName | Should -Be 'Given'
        }

        It 'still reads a file of the Python tool, without the keys' {
            Set-Content -LiteralPath $script:File -Value "host: db`ndatabase: d`nusername: u`npassword: '`${PG_PASSWORD}'"
            Add-DcSource -Name anything -Type postgresql -Path $script:File -Database $script:Copy -ErrorAction Stop
            (Get-DcSource anything -Database $script:Copy).Type | Should -Be 'postgresql'
        }
    }

    Context 'help' {
        It 'runs every example of its help, in order, against a real catalog' {
            Add-Pg $script:Db 'prod'
            Add-Pg $script:Db 'prod-eu'
            $examples = @((Get-Help Export-DcSource -Full).examples.example)
            $examples.Count | Should -BeGreaterOrEqual 2
            Push-Location -LiteralPath (New-Folder 'examples')
            try {
                foreach ($example in $examples) {
                    $code = "$($example.code)".Trim()
                    { $ErrorActionPreference = 'Stop'; $null = . ([scriptblock]::Create($code)) } | Should -Not -Throw -Because "the example '$($example.title.Trim('- '))' must run"
                }
                './sources/prod.yaml' | Should -Exist
                './copy/datacompass.db' | Should -Exist
            }
            finally {
                Pop-Location
            }
        }
    }
}
