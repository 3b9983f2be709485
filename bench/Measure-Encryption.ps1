<#
.SYNOPSIS
    What encryption at rest costs: resolving encrypted sources, and rotating their key, each against a
    baseline in the same process.
.DESCRIPTION
    Two catalogs of the same size, with the same fields:
      resolve : Get-DcSourceConnection -Name <all> on sources whose password is stored encrypted, against the
                same call on sources whose password is a ${VAR} placeholder (a set environment variable).
                The ratio is the price of decryption over DataCompass's cheapest resolution.
      rotate  : Update-DcEncryptionKey re-encrypting every value under a new primary key (batches of 100, one
                transaction each, then the scrub), against Get-DcEncryptionStatus on the same catalog, which
                reads and opens every value but writes nothing. The ratio is the price of writing.
    Each side gets one warm-up round; the best of -Repeat rounds counts (rotation: a fresh copy of the catalog
    under the old key each round). No vault is involved, so no private HOME is needed.
.EXAMPLE
    dotnet pwsh -NoProfile ./bench/Measure-Encryption.ps1 -Sources 1000
#>
param(
    [int] $Sources = 1000,
    [int] $Repeat = 5,
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/DataCompass/DataCompass.psd1')
)
$ErrorActionPreference = 'Stop'
Import-Module (Resolve-Path $ModulePath).Path

function New-KeyText {
    [Convert]::ToBase64String([Security.Cryptography.RandomNumberGenerator]::GetBytes(32)).Replace('+', '-').Replace('/', '_')
}

$work = Join-Path ([IO.Path]::GetTempPath()) ("dc-bench-enc-" + [guid]::NewGuid().ToString('n').Substring(0, 8))
$savedKey, $savedPassword = $env:DATACOMPASS_ENCRYPTION_KEY, $env:BENCH_PASSWORD
try {
    $oldKey, $newKey = (New-KeyText), (New-KeyText)
    $env:DATACOMPASS_ENCRYPTION_KEY = $oldKey
    $env:BENCH_PASSWORD = 'bench-password'
    $encrypted = Join-Path $work 'encrypted/datacompass.db'
    $placeholders = Join-Path $work 'placeholders/datacompass.db'
    foreach ($i in 0..($Sources - 1)) {
        $fields = @{ host = 'db.example.com'; database = 'sales'; username = 'app' }
        Add-DcSource -Database $encrypted -Name "s$i" -Type postgresql -Encrypt -Connection ($fields + @{ password = "secret-$i" })
        Add-DcSource -Database $placeholders -Name "s$i" -Type postgresql -Connection ($fields + @{ password = '${BENCH_PASSWORD}' })
    }
    $names = 0..($Sources - 1) | ForEach-Object { "s$_" }

    function Get-Best([scriptblock] $Action, [scriptblock] $Before = {}) {
        & $Before; $null = & $Action
        $times = foreach ($round in 1..$Repeat) { & $Before; (Measure-Command { $null = & $Action }).TotalMilliseconds }
        ($times | Measure-Object -Minimum).Minimum
    }

    $resolveEncrypted = Get-Best { if (@(Get-DcSourceConnection -Database $encrypted -Name $names).Count -ne $Sources) { throw 'not all resolved' } }
    $resolvePlaceholders = Get-Best { if (@(Get-DcSourceConnection -Database $placeholders -Name $names).Count -ne $Sources) { throw 'not all resolved' } }

    # Rotation changes the catalog, so each round starts from a copy still under the old key.
    $template = Join-Path $work 'template'
    Copy-Item -Recurse (Split-Path $encrypted) $template
    $rotating = Join-Path $work 'rotating'
    $restore = { Remove-Item -Recurse -Force $rotating -ErrorAction Ignore; Copy-Item -Recurse $template $rotating }
    $env:DATACOMPASS_ENCRYPTION_KEY = "$newKey,$oldKey"
    $rotate = Get-Best -Before $restore {
        $summary = Update-DcEncryptionKey -Database (Join-Path $rotating 'datacompass.db')
        if ($summary.Reencrypted -ne $Sources) { throw "re-encrypted $($summary.Reencrypted) of $Sources" }
    }
    $status = Get-Best -Before $restore { $null = Get-DcEncryptionStatus -Database (Join-Path $rotating 'datacompass.db') }

    [pscustomobject]@{
        Sources                                  = $Sources
        'Resolve encrypted (ms)'                 = [Math]::Round($resolveEncrypted, 0)
        'Resolve ${VAR} (ms)'                    = [Math]::Round($resolvePlaceholders, 0)
        'Resolve ratio'                          = [Math]::Round($resolveEncrypted / $resolvePlaceholders, 3)
        'Update-DcEncryptionKey (ms)'            = [Math]::Round($rotate, 0)
        'Get-DcEncryptionStatus (ms)'            = [Math]::Round($status, 0)
        'Rotate ratio'                           = [Math]::Round($rotate / $status, 3)
    } | Format-List | Out-Host
}
finally {
    $env:DATACOMPASS_ENCRYPTION_KEY, $env:BENCH_PASSWORD = $savedKey, $savedPassword
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}
