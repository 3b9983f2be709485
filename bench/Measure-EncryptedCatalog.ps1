<#
.SYNOPSIS
    An encrypted catalog file (SQLCipher) against the same catalog plain: Get-DcSource over 10,000 sources, and
    Get-DcSource of one source (what a runbook's lookup costs, an open of the file included).
.DESCRIPTION
    Builds one plain catalog of -Sources sources and an encrypted copy of it (Protect-DcDatabase, timed). Each
    measure then runs in a fresh pwsh per form, since a process uses one SQLite library: the plain catalog with the
    bundled SQLite, the encrypted one with SQLCipher and the key in $env:DATACOMPASS_DATABASE_KEY. Every figure is
    the median of -Repeat runs, after one untimed warm-up. Needs SQLCipher (Debian: apt-get install libsqlcipher0).
.EXAMPLE
    dotnet pwsh ./bench/Measure-EncryptedCatalog.ps1                 # -Sources 10000 -Repeat 5 -Lookups 20
#>
param(
    [int] $Sources = 10000,
    [int] $Repeat = 5,
    [int] $Lookups = 20,
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/DataCompass/DataCompass.psd1'),
    [string] $Measure
)
$ErrorActionPreference = 'Stop'
$ModulePath = (Resolve-Path $ModulePath).Path

function Get-Median([double[]] $values) { $sorted = $values | Sort-Object; $sorted[[int][Math]::Floor($sorted.Count / 2)] }

if ($Measure) {
    # In the child: one catalog, one form. Prints one JSON line.
    Import-Module $ModulePath
    $database = $Measure
    $null = Get-DcSource -Database $database
    $all = foreach ($i in 1..$Repeat) { (Measure-Command { $script:count = @(Get-DcSource -Database $database).Count }).TotalMilliseconds }
    $one = foreach ($i in 1..$Repeat) {
        (Measure-Command { foreach ($j in 1..$Lookups) { $null = Get-DcSource -Name ('src-{0:d5}' -f ($j * 7)) -Database $database } }).TotalMilliseconds / $Lookups
    }
    [pscustomobject]@{ Count = $script:count; All = (Get-Median $all); One = (Get-Median $one) } | ConvertTo-Json -Compress
    exit 0
}

$launcher = @([Environment]::ProcessPath) + @(if ((Split-Path -Leaf ([Environment]::ProcessPath)) -match '^dotnet(\.exe)?$') { Join-Path $PSHOME 'pwsh.dll' })
function Invoke-Child([string] $Database, [string] $Key) {
    $saved = $env:DATACOMPASS_DATABASE_KEY
    try {
        $env:DATACOMPASS_DATABASE_KEY = $Key
        $line = & $launcher[0] @($launcher | Select-Object -Skip 1) -NoProfile -NonInteractive -File $PSCommandPath -Measure $Database `
            -Repeat $Repeat -Lookups $Lookups -ModulePath $ModulePath | Select-Object -Last 1
        if ($LASTEXITCODE -ne 0) { throw "The measuring child failed: $line" }
        $line | ConvertFrom-Json
    }
    finally {
        $env:DATACOMPASS_DATABASE_KEY = $saved
    }
}

$work = Join-Path ([IO.Path]::GetTempPath()) ("dc-bench-cipher-" + [guid]::NewGuid().ToString('n').Substring(0, 8))
$plain = Join-Path $work 'plain/datacompass.db'
$encrypted = Join-Path $work 'encrypted/datacompass.db'
$key = 'bench key ' + [guid]::NewGuid().ToString('n')
try {
    # The catalogs are built in a child too, so this process never picks a SQLite library.
    $build = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
`$connection = @{ host = 'db.example.com'; port = 5432; database = 'sales'; username = 'app'; password = '`${DC_BENCH_PASSWORD}' }
0..($Sources - 1) | ForEach-Object { [pscustomobject]@{ Name = 'src-{0:d5}' -f `$_; Type = 'postgresql'; Connection = `$connection } } | Add-DcSource -Database '$plain'
"@
    & $launcher[0] @($launcher | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $build
    if ($LASTEXITCODE -ne 0) { throw 'Building the plain catalog failed.' }
    New-Item -ItemType Directory -Force (Split-Path $encrypted) | Out-Null
    Copy-Item $plain $encrypted
    $env:DATACOMPASS_DATABASE_KEY = $key
    $protectMs = (Measure-Command {
            & $launcher[0] @($launcher | Select-Object -Skip 1) -NoProfile -NonInteractive -Command "Import-Module '$ModulePath'; `$null = Protect-DcDatabase -Database '$encrypted' -Confirm:`$false"
        }).TotalMilliseconds
    $env:DATACOMPASS_DATABASE_KEY = $null
    if ($LASTEXITCODE -ne 0) { throw 'Protect-DcDatabase failed.' }
    $header = [Text.Encoding]::ASCII.GetString([IO.File]::ReadAllBytes($encrypted), 0, 15)
    if ($header -eq 'SQLite format 3') { throw 'The copy was not encrypted.' }

    $plainRun = Invoke-Child -Database $plain -Key $null
    $encryptedRun = Invoke-Child -Database $encrypted -Key $key
    if ($plainRun.Count -ne $Sources -or $encryptedRun.Count -ne $Sources) { throw "Expected $Sources sources, read $($plainRun.Count) and $($encryptedRun.Count)." }

    [pscustomobject]@{ Measure = "Get-DcSource over $Sources, encrypted vs plain"; Encrypted = '{0:N1} ms' -f $encryptedRun.All; Plain = '{0:N1} ms' -f $plainRun.All; Ratio = '{0:N2}' -f ($encryptedRun.All / $plainRun.All) }
    [pscustomobject]@{ Measure = 'Get-DcSource -Name (one source, the file opened each time), encrypted vs plain'; Encrypted = '{0:N2} ms' -f $encryptedRun.One; Plain = '{0:N2} ms' -f $plainRun.One; Ratio = '{0:N2}' -f ($encryptedRun.One / $plainRun.One) }
    [pscustomobject]@{ Measure = "Protect-DcDatabase of $Sources sources (one pwsh, its start included)"; Encrypted = '{0:N0} ms' -f $protectMs; Plain = ''; Ratio = '' }
}
finally {
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}
