<#
.SYNOPSIS
    SQLCipher for the tests tagged SQLCipher and the SQLCipher lane: found, or installed where that cannot disturb
    anyone (root with apt-get). Dot-sourced by build.ps1.
#>

function Find-DcSqlCipher {
    # The places DataCompass itself looks: $env:DATACOMPASS_SQLCIPHER_LIBRARY, else what the loader finds by name.
    if ($env:DATACOMPASS_SQLCIPHER_LIBRARY) { return (Test-Path -LiteralPath $env:DATACOMPASS_SQLCIPHER_LIBRARY) }
    $names = if ($IsWindows) { 'sqlcipher.dll', 'libsqlcipher.dll' }
        elseif ($IsMacOS) { 'libsqlcipher.dylib', 'libsqlcipher.0.dylib', '/opt/homebrew/lib/libsqlcipher.dylib', '/usr/local/lib/libsqlcipher.dylib' }
        else { 'libsqlcipher.so.0', 'libsqlcipher.so.1', 'libsqlcipher.so' }
    foreach ($name in $names) {
        $handle = [IntPtr]::Zero
        if ([Runtime.InteropServices.NativeLibrary]::TryLoad($name, [ref] $handle)) {
            [Runtime.InteropServices.NativeLibrary]::Free($handle)
            return $true
        }
    }
    return $false
}

function Install-DcSqlCipher {
    # Debian's libsqlcipher0 (3.4.1), and its sqlcipher command, which a test uses to read an encrypted catalog.
    if (-not $IsLinux -or (id -u) -ne '0' -or -not (Get-Command apt-get -ErrorAction Ignore)) { return $false }
    Write-Host 'SQLCipher is not installed: installing Debian''s libsqlcipher0 and sqlcipher for the tests (apt-get).'
    $env:DEBIAN_FRONTEND = 'noninteractive'
    & apt-get update -qq 2>&1 | Out-Null
    & apt-get install -y -qq --no-install-recommends libsqlcipher0 sqlcipher 2>&1 | Select-Object -Last 2 | Out-Host
    if ($LASTEXITCODE -ne 0) { Write-Host "apt-get install libsqlcipher0 failed with exit code $LASTEXITCODE."; return $false }
    return $true
}

function Initialize-DcTestSqlCipher {
    # Sets $env:DATACOMPASS_TEST_SQLCIPHER for the test processes when SQLCipher is there (or could be installed).
    $found = (Find-DcSqlCipher) -or ((Install-DcSqlCipher) -and (Find-DcSqlCipher))
    $env:DATACOMPASS_TEST_SQLCIPHER = if ($found) { '1' } else { $null }
    Write-Host $(if ($found) { 'SQLCipher: found; the tests tagged SQLCipher and the SQLCipher lane run.' } else { 'SQLCipher: not installed and not installable here; the tests tagged SQLCipher are skipped.' })
    return [bool] $found
}
