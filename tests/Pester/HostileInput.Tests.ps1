# The hostile input corpus: Add-DcSource fed at least 500 generated bad inputs (mutated YAML of every adapter,
# hostile -Connection hashtables and -Name values) in one session. Every refusal must be a DataCompass ErrorRecord
# of Add-DcSource, with the catalog file (and its -wal) byte-identical. A few generated inputs (truncations and
# character flips) may still be legal sources: those may be added, and are removed again. Cases are generated from
# a fixed seed, so a failure names a case that the next run generates again. Time and memory are reported, not
# asserted; a watchdog ends the run if one case hangs for 30 s.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    Import-Module $script:DcModulePath -Force

    Add-Type -TypeDefinition @'
public static class DcHostileWatchdog
{
    private static System.Threading.Timer timer;

    public static void Arm(string label, int seconds)
    {
        Disarm();
        timer = new System.Threading.Timer(state =>
        {
            System.Console.Error.WriteLine("HANG: hostile input case '" + label + "' ran longer than " + seconds + " s");
            System.Environment.Exit(97);
        }, null, seconds * 1000, System.Threading.Timeout.Infinite);
    }

    public static void Disarm()
    {
        if (timer != null) { timer.Dispose(); timer = null; }
    }
}
'@

    $script:Db = Join-Path $TestDrive 'data/datacompass.db'
    $script:Files = Join-Path $TestDrive 'hostile'
    New-Item -ItemType Directory -Path $script:Files | Out-Null
    Add-DcSource -Database $script:Db -Name 'good' -Type postgresql -ErrorAction Stop -Connection @{
        host = 'db'; database = 'sales'; username = 'app'; password = '${PG_PASSWORD}'
    }

    $script:Random = [Random]::new(20261128)
    $script:Stats = [pscustomobject]@{ Count = 0; Added = 0; MaxMs = 0.0; MaxMsCase = ''; MaxMemory = 0L; MaxMemoryCase = '' }
    $script:FileNumber = 0

    function Get-CatalogHash {
        @($script:Db, "$($script:Db)-wal") | Where-Object { Test-Path -LiteralPath $_ } |
            ForEach-Object { '{0}={1}' -f (Split-Path -Leaf $_), (Get-FileHash -LiteralPath $_ -Algorithm SHA256).Hash }
    }

    function New-CaseFile([byte[]] $Bytes) {
        $script:FileNumber++
        $path = Join-Path $script:Files ('case{0:d4}.yaml' -f $script:FileNumber)
        [IO.File]::WriteAllBytes($path, $Bytes)
        $path
    }

    function New-TextFile([string] $Text) { New-CaseFile ([Text.Encoding]::UTF8.GetBytes($Text)) }

    function Invoke-HostileCase {
        <#
            Runs one case; returns a failure description, or nothing. $Parameters is splatted onto Add-DcSource.
            MustRefuse: the input is known to be invalid. Otherwise being added is also a correct outcome.
        #>
        param([string] $Label, [hashtable] $Parameters, [bool] $MustRefuse = $true)

        $script:Stats.Count++
        # Control characters would garble the report (and the NUnit XML it ends up in).
        $Label = [regex]::Replace($Label, '[\x00-\x1F\x7F]', { param($m) '\x{0:X2}' -f [int][char]$m.Value })
        $name = if ($Parameters.ContainsKey('Name')) { $Parameters.Name } else { 'case-{0}' -f $script:Stats.Count }
        $before = Get-CatalogHash
        $process = [Diagnostics.Process]::GetCurrentProcess()
        $memoryBefore = $process.WorkingSet64
        $records = [Collections.Generic.List[object]]::new()
        $output = $null
        $watch = [Diagnostics.Stopwatch]::StartNew()
        [DcHostileWatchdog]::Arm($Label, 30)
        try {
            $output = Add-DcSource -Database $script:Db -Name $name @Parameters -PassThru -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable caseErrors
            foreach ($record in $caseErrors) { $records.Add($record) }
        }
        catch {
            $records.Add($_)
        }
        finally {
            [DcHostileWatchdog]::Disarm()
            $watch.Stop()
        }
        $process.Refresh()
        $memory = $process.WorkingSet64 - $memoryBefore
        if ($watch.Elapsed.TotalMilliseconds -gt $script:Stats.MaxMs) { $script:Stats.MaxMs = $watch.Elapsed.TotalMilliseconds; $script:Stats.MaxMsCase = $Label }
        if ($memory -gt $script:Stats.MaxMemory) { $script:Stats.MaxMemory = $memory; $script:Stats.MaxMemoryCase = $Label }

        foreach ($record in $records) {
            $id = if ($record -is [Management.Automation.ErrorRecord]) { $record.FullyQualifiedErrorId } else { "not an ErrorRecord: $($record.GetType().FullName)" }
            if ($id -notmatch '^Dc[A-Za-z]+,DataCompass\.Commands\.AddDcSourceCommand$') {
                return "${Label}: $id ($($record.Exception.GetType().FullName): $($record.Exception.Message))"
            }
        }

        if ($records.Count -gt 0) {
            if ($output) { return "${Label}: refused with $($records[0].FullyQualifiedErrorId) but still emitted a source" }
            $after = Get-CatalogHash
            if (($after -join ';') -ne ($before -join ';')) { return "${Label}: refused with $($records[0].FullyQualifiedErrorId) but the catalog changed" }
            return
        }

        if ($MustRefuse) {
            $shown = if ($output) { "added '$($output.Name)'" } else { 'neither added nor refused' }
            if ($output) { Remove-DcSource -Database $script:Db -Name $output.Name -Confirm:$false -ErrorAction SilentlyContinue }
            return "${Label}: known-invalid input was $shown"
        }
        if (-not $output) { return "${Label}: neither added nor refused" }
        $script:Stats.Added++
        Remove-DcSource -Database $script:Db -Name $output.Name -Confirm:$false -ErrorAction Stop
    }

    # Every adapter's fields as a valid flat YAML file would give them; secrets are references.
    $script:Adapters = [ordered]@{
        postgresql = [ordered]@{
            Fields   = [ordered]@{ host = 'db.example.com'; port = '5432'; database = 'sales'; username = 'app'; password = '${PG_PASSWORD}'
                ssl_mode = 'require'; exclude_schemas = '[pg_catalog, information_schema]'; connect_timeout = '10'; query_timeout = '300' }
            Required = @('host', 'database', 'username', 'password')
            Secret   = 'password'
            Integers = @('port', 'connect_timeout', 'query_timeout')
            Ranges   = @{ port = @('0', '65536', '-1', '99999999999999999999'); connect_timeout = @('0', '301'); query_timeout = @('0', '3601') }
            Enum     = 'ssl_mode'
        }
        snowflake  = [ordered]@{
            Fields   = [ordered]@{ account = 'acme-eu1'; warehouse = 'COMPUTE_WH'; database = 'ANALYTICS'; username = 'loader'; password = '${SF_PASSWORD}'
                role = 'LOADER'; exclude_schemas = '[INFORMATION_SCHEMA]'; connect_timeout = '30'; query_timeout = '300' }
            Required = @('account', 'warehouse', 'database', 'username', 'password')
            Secret   = 'password'
            Integers = @('connect_timeout', 'query_timeout')
            Ranges   = @{}
            Enum     = $null
        }
        databricks = [ordered]@{
            Fields   = [ordered]@{ host = 'adb-1.azuredatabricks.net'; http_path = '/sql/1.0/warehouses/abc'; catalog = 'main'
                auth_method = 'personal_token'; access_token = '${DBX_TOKEN}'; timeout_seconds = '300'; max_retries = '3' }
            Required = @('host', 'http_path', 'catalog', 'access_token')
            Secret   = 'access_token'
            Integers = @('timeout_seconds', 'max_retries')
            Ranges   = @{}
            Enum     = 'auth_method'
        }
    }

    function ConvertTo-Yaml([Collections.Specialized.OrderedDictionary] $Fields) {
        (@($Fields.Keys | ForEach-Object { "${_}: $($Fields[$_])" }) -join "`n") + "`n"
    }

    function Copy-Fields($Fields) { $copy = [ordered]@{}; foreach ($key in $Fields.Keys) { $copy[$key] = $Fields[$key] }; $copy }

    function Get-Pick([object[]] $Items) { $Items[$script:Random.Next($Items.Count)] }

    $script:HugeValue = 'a' * 50MB
}

Describe 'The hostile input corpus' -Tag 'Integration' {
    It 'refuses every mutated YAML file of every adapter with a DataCompass error, the catalog untouched' {
        $failures = [Collections.Generic.List[string]]::new()
        function Add-Failure($Result) { if ($Result) { $failures.Add($Result) } }

        foreach ($type in $script:Adapters.Keys) {
            $adapter = $script:Adapters[$type]
            $fields = $adapter.Fields
            $baseText = ConvertTo-Yaml $fields
            $file = { param($text) @{ Type = $type; Path = (New-TextFile $text) } }

            # The unmutated file is a legal source: the corpus's baseline.
            Add-Failure (Invoke-HostileCase "$type valid" (& $file $baseText) -MustRefuse $false)

            # Unknown keys: typos of real fields.
            foreach ($i in 1..8) {
                $key = Get-Pick @($fields.Keys)
                $at = $script:Random.Next($key.Length)
                $typo = if ($i % 2) { $key.Remove($at, 1) } else { $key.Insert($at, $key[$at]) }
                if ($fields.Contains($typo) -or $typo.Length -eq 0) { $typo = "${key}x" }
                Add-Failure (Invoke-HostileCase "$type unknown key '$typo'" (& $file ($baseText + "${typo}: x`n")))
            }
            foreach ($key in $adapter.Required) {
                $copy = Copy-Fields $fields; $copy.Remove($key)
                Add-Failure (Invoke-HostileCase "$type without $key" (& $file (ConvertTo-Yaml $copy)))
            }
            foreach ($key in @($fields.Keys)) {
                Add-Failure (Invoke-HostileCase "$type duplicate $key" (& $file ($baseText + "${key}: other`n")))
            }
            foreach ($key in $adapter.Required) {
                foreach ($shape in '{a: b}', '[x, y]', '[]', '{}') {
                    $copy = Copy-Fields $fields; $copy[$key] = $shape
                    Add-Failure (Invoke-HostileCase "$type $key is $shape" (& $file (ConvertTo-Yaml $copy)))
                }
            }
            foreach ($key in $adapter.Integers) {
                foreach ($value in 'abc', '[1]', '{a: 1}', '1.5', '.inf', '.nan', '1e400') {
                    $copy = Copy-Fields $fields; $copy[$key] = $value
                    Add-Failure (Invoke-HostileCase "$type $key is $value" (& $file (ConvertTo-Yaml $copy)))
                }
            }
            foreach ($key in $adapter.Ranges.Keys) {
                foreach ($value in $adapter.Ranges[$key]) {
                    $copy = Copy-Fields $fields; $copy[$key] = $value
                    Add-Failure (Invoke-HostileCase "$type $key out of range $value" (& $file (ConvertTo-Yaml $copy)))
                }
            }
            if ($adapter.Enum) {
                foreach ($value in 'maybe', 'PREFER ', "'; DROP TABLE data_sources; --", '""') {
                    $copy = Copy-Fields $fields; $copy[$adapter.Enum] = $value
                    Add-Failure (Invoke-HostileCase "$type $($adapter.Enum) is $value" (& $file (ConvertTo-Yaml $copy)))
                }
            }
            foreach ($tag in '!!binary aGVsbG8=', '!!python/object:os.system x', "!!python/object/apply:os.system ['id']", '!custom x', '!!set {a}', '!!omap [a: 1]', '!<tag:yaml.org,2002:python/name:os.system> x') {
                $copy = Copy-Fields $fields; $copy[(Get-Pick $adapter.Required)] = $tag
                Add-Failure (Invoke-HostileCase "$type tag $tag" (& $file (ConvertTo-Yaml $copy)))
            }
            # Broken placeholders, literal secrets with nowhere to go, empty secrets, unqualified references.
            foreach ($value in '${VAR', '$VAR', '${secret:}', '{VAR}', '${}', '""', "''", 'literal-secret-value', '${secret:pg}', '"${secret:}"') {
                $copy = Copy-Fields $fields; $copy[$adapter.Secret] = $value
                Add-Failure (Invoke-HostileCase "$type secret is $value" (& $file (ConvertTo-Yaml $copy)))
            }
            # A literal secret to a vault that is not registered.
            $copy = Copy-Fields $fields; $copy[$adapter.Secret] = 'literal-secret-value'
            $case = & $file (ConvertTo-Yaml $copy); $case.Vault = 'NoSuchVaultDcHostile'
            Add-Failure (Invoke-HostileCase "$type literal secret to an unknown vault" $case)
            # NUL bytes and bytes that are not UTF-8, at random places.
            $baseBytes = [Text.Encoding]::UTF8.GetBytes($baseText)
            foreach ($bad in @(0x00, 0x00, 0x00, 0xC0, 0xFF, 0xFE, 0x80, 0xED)) {
                $at = $script:Random.Next(1, $baseBytes.Length - 1)
                $bytes = [byte[]]::new($baseBytes.Length + 1)
                [Array]::Copy($baseBytes, 0, $bytes, 0, $at); $bytes[$at] = $bad; [Array]::Copy($baseBytes, $at, $bytes, $at + 1, $baseBytes.Length - $at)
                Add-Failure (Invoke-HostileCase ("$type byte 0x{0:X2} at {1}" -f $bad, $at) @{ Type = $type; Path = (New-CaseFile $bytes) })
            }
            # Deep nesting, an alias bomb, a merge key, and documents that are not one flat mapping.
            $target = Get-Pick $adapter.Required
            $structural = [ordered]@{
                'flow sequences 10,000 deep' = $baseText + "x: " + ('[' * 10000) + (']' * 10000) + "`n"
                'flow mappings 10,000 deep'  = ($baseText -replace "(?m)^${target}: .*$", ("${target}: " + ('{a: ' * 10000) + ('}' * 10000)))
                'block nesting 10,000 deep'  = ($baseText -replace "(?m)^${target}: .*$", ("${target}:`n" + ((1..10000 | ForEach-Object { (' ' * $_) + "k${_}:" }) -join "`n") + ' x'))
                'an alias bomb'              = "a: &a [x,x,x,x,x,x,x,x,x,x]`nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]`nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]`nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]`ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]`nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]`n${target}: *f`n"
                'an alias to a field'        = $baseText + "copy: &c x`n"
                'a merge key'                = "base: &b {${target}: x}`n<<: *b`n" + $baseText
                'a top-level list'           = ($baseText -split "`n" | Where-Object { $_ } | ForEach-Object { "- $_" }) -join "`n"
                'a top-level scalar'         = "just text`n"
                'two documents'              = $baseText + "---`n" + $baseText
                'an empty file'              = ''
                'comments only'              = ($baseText -split "`n" | ForEach-Object { "# $_" }) -join "`n"
                'a quoted key'               = $baseText + "`"${target}`": again`n"
                'a complex key'              = $baseText + "? [a, b]`n: c`n"
                'a 50 MB value'              = $null
            }
            foreach ($label in $structural.Keys) {
                $path = if ($label -eq 'a 50 MB value') {
                    $p = Join-Path $script:Files "huge-$type.yaml"
                    if (-not (Test-Path $p)) { [IO.File]::WriteAllText($p, "${target}: " + $script:HugeValue + "`n" + $baseText) }
                    $p
                }
                else { New-TextFile $structural[$label] }
                Add-Failure (Invoke-HostileCase "$type $label" @{ Type = $type; Path = $path })
            }
            # Truncated and character-flipped files: some of these are still legal sources.
            foreach ($i in 1..20) {
                $cut = $script:Random.Next(0, $baseBytes.Length)
                Add-Failure (Invoke-HostileCase "$type truncated at $cut" @{ Type = $type; Path = (New-CaseFile $baseBytes[0..([Math]::Max($cut - 1, 0))]) } -MustRefuse $false)
            }
            foreach ($i in 1..20) {
                $bytes = [byte[]]$baseBytes.Clone()
                $at = $script:Random.Next($bytes.Length); $bytes[$at] = [byte](Get-Pick @(0x3A, 0x20, 0x23, 0x26, 0x2A, 0x21, 0x7B, 0x5B, 0x27, 0x22, 0x7C, 0x3E, 0x2D, 0x25, 0x40, 0x60, 0x09, 0x0D))
                Add-Failure (Invoke-HostileCase ("$type byte {0} set to 0x{1:X2}" -f $at, $bytes[$at]) @{ Type = $type; Path = (New-CaseFile $bytes) } -MustRefuse $false)
            }
            # A 10,000-character value: legal or not, it must end in a source or a DataCompass error.
            $copy = Copy-Fields $fields; $copy[(Get-Pick $adapter.Required | Where-Object { $_ -ne $adapter.Secret } | Select-Object -First 1)] = 'v' * 10000
            Add-Failure (Invoke-HostileCase "$type a 10,000-character value" (& $file (ConvertTo-Yaml $copy)) -MustRefuse $false)
        }

        $failures | Should -BeNullOrEmpty
    }

    It 'refuses every hostile -Connection hashtable with a DataCompass error, the catalog untouched' {
        $failures = [Collections.Generic.List[string]]::new()
        function Add-Failure($Result) { if ($Result) { $failures.Add($Result) } }
        $base = @{ host = 'db'; database = 'sales'; username = 'app'; password = '${PG_PASSWORD}' }
        function With([string] $Key, $Value) { $copy = @{} + $base; $copy[$Key] = $Value; @{ Type = 'postgresql'; Connection = $copy } }

        $deepMap = @{}; $cursor = $deepMap; foreach ($i in 1..10000) { $next = @{}; $cursor['a'] = $next; $cursor = $next }
        $deepList = [Collections.ArrayList]::new(); $list = $deepList; foreach ($i in 1..10000) { $inner = [Collections.ArrayList]::new(); $null = $list.Add($inner); $list = $inner }
        $selfMap = @{}; $selfMap['me'] = $selfMap
        $wide = @{}; foreach ($i in 1..20000) { $wide["k$i"] = $i }
        $manyItems = [object[]](1..20000)
        $values = [ordered]@{
            'a script block'          = { 'x' }
            'a DateTime'              = [datetime]::UtcNow
            'a Guid'                  = [guid]::NewGuid()
            'a nested hashtable'      = @{ a = 'b' }
            'an array of hashtables'  = @(@{ a = 1 }, @{ b = 2 })
            'null'                    = $null
            'NaN'                     = [double]::NaN
            'infinity'                = [double]::PositiveInfinity
            'Int64.MaxValue'          = [long]::MaxValue
            'a huge decimal'          = [decimal]::MaxValue
            'a BigInteger'            = [Numerics.BigInteger]::Pow(10, 400)
            'a PSCredential'          = [pscredential]::new('u', (ConvertTo-SecureString 'p' -AsPlainText -Force))
            'a byte array'            = [byte[]](1, 2, 3)
            'a FileInfo'              = [IO.FileInfo]::new('/etc/passwd')
            'a char'                  = [char]'x'
            'a switch'                = [switch]$true
            'a type'                  = [string]
            'an empty string'         = ''
            'a 50 MB string'          = $script:HugeValue
            'a map 10,000 deep'       = $deepMap
            'a list 10,000 deep'      = $deepList
            'a map holding itself'    = $selfMap
            'a map of 20,000 entries' = $wide
            'an array of 20,000'      = $manyItems
            'a NUL in text'           = "d`0b"
        }
        # Scalars whose text is a legal value of a text field (or of a list of text, as one element) may be added.
        $textLike = 'a DateTime', 'a Guid', 'NaN', 'infinity', 'Int64.MaxValue', 'a huge decimal', 'a BigInteger', 'a char', 'a switch', 'a type', 'an empty string', 'a NUL in text', 'a FileInfo'
        # An array of scalars is a list: as exclude_schemas it is a list of their texts.
        $listLike = 'a byte array', 'an array of 20,000'
        foreach ($field in 'host', 'port', 'password', 'exclude_schemas', 'connect_timeout', 'ssl_mode') {
            foreach ($label in $values.Keys) {
                $mustRefuse = $true
                if ($field -in 'host', 'exclude_schemas' -and $label -in $textLike) { $mustRefuse = $false }
                if ($field -eq 'exclude_schemas' -and $label -in $listLike) { $mustRefuse = $false }
                if ($field -ne 'password' -and $label -in 'null') { $mustRefuse = $false }
                Add-Failure (Invoke-HostileCase "-Connection $field is $label" (With $field $values[$label]) -MustRefuse $mustRefuse)
            }
        }
        foreach ($key in 'pasword', 'HOST ', "host`0", '', ' ', 'host; DROP TABLE data_sources', '${secret:x}', ('h' * 10000)) {
            # Ordinal keys: in PowerShell's own hashtable "host`0" is the same key as "host" (NUL is ignorable in culture-aware comparison).
            $copy = [hashtable]::new([StringComparer]::Ordinal); foreach ($k in $base.Keys) { $copy[$k] = $base[$k] }; $copy[$key] = 'x'
            Add-Failure (Invoke-HostileCase "-Connection with key '$($key.Substring(0, [Math]::Min(20, $key.Length)))' ($($key.Length) characters)" @{ Type = 'postgresql'; Connection = $copy })
        }
        $numberKey = @{} + $base; $numberKey[1] = 'x'
        Add-Failure (Invoke-HostileCase '-Connection with an integer key' @{ Type = 'postgresql'; Connection = $numberKey })
        foreach ($required in 'host', 'database', 'username', 'password') {
            $copy = @{} + $base; $copy.Remove($required)
            Add-Failure (Invoke-HostileCase "-Connection without $required" @{ Type = 'postgresql'; Connection = $copy })
        }
        foreach ($type in 'mysql', 'postgresql;', 'postgres', "postgresql`n", 'snowflake ') {
            Add-Failure (Invoke-HostileCase "-Type $type" @{ Type = $type; Connection = $base })
        }
        Add-Failure (Invoke-HostileCase '-Connection empty' @{ Type = 'postgresql'; Connection = @{} })

        $failures | Should -BeNullOrEmpty
    }

    It 'refuses every hostile -Name with a DataCompass error, the catalog untouched' {
        $failures = [Collections.Generic.List[string]]::new()
        $connection = @{ host = 'db'; database = 'sales'; username = 'app'; password = '${PG_PASSWORD}' }
        $names = @(
            '', ' ', "x'y", 'x"y', 'a;b', "x'); DELETE FROM data_sources; --", 'a/b', 'a\b', '../x', '..', '.', 'C:\x', '/etc/passwd'
            ('a' * 65), ('a' * 10000), "pr$([char]0x043E)d", "prod$([char]0x200B)", "$([char]0x202E)dorp", "$([char]0xFF50)rod", "prod`n", "prod`r", "`tprod",
            ' prod', 'prod ', "pr`0od", '-prod', '_prod', '.prod', '*', 'p*', '[a]', '$(whoami)', '%00', "$([char]0x00E9)mile", 'a b', "$([char]0xD83D)$([char]0xDE00)",
            'good', 'GOOD', 'Good', "good`n", 'a,b', 'a=b', 'a&b', 'a|b', 'a>b', '${secret:x}', '${PG_PASSWORD}', 'a`b', "$([char]0xD800)"
        )
        foreach ($name in $names) {
            $shown = ($name -replace '[^\x21-\x7E]', '?'); if ($shown.Length -gt 24) { $shown = $shown.Substring(0, 24) + '...' }
            $result = Invoke-HostileCase "-Name '$shown'" @{ Name = $name; Type = 'postgresql'; Connection = $connection }
            if ($result) { $failures.Add($result) }
        }

        $failures | Should -BeNullOrEmpty
    }

    It 'ran at least 500 cases, and reports the slowest and hungriest' {
        Write-Host ('Hostile input corpus: {0} cases, {1} legal ones added and removed again; slowest {2:n0} ms ({3}); largest working set growth {4:n1} MB ({5})' -f
            $script:Stats.Count, $script:Stats.Added, $script:Stats.MaxMs, $script:Stats.MaxMsCase, ($script:Stats.MaxMemory / 1MB), $script:Stats.MaxMemoryCase)
        $script:Stats.Count | Should -BeGreaterOrEqual 500
        @(Get-DcSource -Database $script:Db).Name | Should -Be @('good')
    }
}
