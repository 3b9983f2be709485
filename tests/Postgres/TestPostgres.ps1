<#
.SYNOPSIS
    A private PostgreSQL server for the test run: found or installed, started as an unprivileged user on a free
    loopback port in a temporary folder, stopped and removed afterwards.
.DESCRIPTION
    Dot-source, then Start-DcTestPostgres (an object, or $null with the reason written to the host) and
    Stop-DcTestPostgres. The server asks every client for a password (scram-sha-256, no trust line, no peer
    login), so a test of a wrong password cannot pass by accident. Its admin password is random and lives only in
    this process and its children ($env:DATACOMPASS_TEST_PG_*).

    $env:DATACOMPASS_TEST_POSTGRES = 'Off' runs without a server (those tests are then reported skipped).
#>

function Find-DcPostgresBin {
    # Debian keeps the server programs out of PATH, under /usr/lib/postgresql/<major>/bin; take the newest.
    $onPath = Get-Command initdb -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if ($onPath) {
        $folder = Split-Path -Parent ((Get-Item $onPath.Source).ResolvedTarget ?? $onPath.Source)
        if (Test-Path (Join-Path $folder 'pg_ctl')) { return $folder }
    }
    $candidates = Get-ChildItem '/usr/lib/postgresql/*/bin/initdb', '/usr/local/pgsql/bin/initdb', '/opt/homebrew/bin/initdb' -ErrorAction Ignore |
        Sort-Object { [int]($_.FullName -replace '^/usr/lib/postgresql/(\d+)/.*$', '$1' -replace '\D', '0') } -Descending
    foreach ($candidate in $candidates) { return $candidate.DirectoryName }
    return $null
}

function Install-DcPostgres {
    # Only where it cannot disturb anyone: as root, on a machine with apt-get. Anywhere else the user installs it.
    if (-not $IsLinux -or (id -u) -ne '0' -or -not (Get-Command apt-get -ErrorAction Ignore)) { return $false }
    Write-Host 'PostgreSQL is not installed: installing Debian''s postgresql for the tests (apt-get).'
    $env:DEBIAN_FRONTEND = 'noninteractive'
    & apt-get update -qq 2>&1 | Out-Null
    # The package's own cluster is not wanted: the tests start a private one.
    & apt-get install -y -qq --no-install-recommends postgresql 2>&1 | Select-Object -Last 3 | Out-Host
    if ($LASTEXITCODE -ne 0) { Write-Host "apt-get install postgresql failed with exit code $LASTEXITCODE."; return $false }
    Get-ChildItem '/etc/postgresql/*/main' -Directory -ErrorAction Ignore | ForEach-Object {
        $major = Split-Path -Leaf (Split-Path -Parent $_.FullName)
        & pg_ctlcluster $major main stop 2>&1 | Out-Null
    }
    return $true
}

function Get-DcFreeTcpPort {
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    try { $listener.Start(); return ([Net.IPEndPoint]$listener.LocalEndpoint).Port } finally { $listener.Stop() }
}

function Invoke-DcAsServerUser {
    # The server refuses to run as root; as root it runs as the 'postgres' system user the package creates.
    param([string] $User, [string] $Program, [string[]] $Arguments)
    if ($User) { & runuser -u $User -- $Program @Arguments 2>&1 } else { & $Program @Arguments 2>&1 }
}

function Start-DcTestPostgres {
    [CmdletBinding()]
    param([string] $ParentFolder = (Join-Path ([IO.Path]::GetTempPath()) "datacompass-test"))
    if ($env:DATACOMPASS_TEST_POSTGRES -eq 'Off') { Write-Host 'PostgreSQL: off ($env:DATACOMPASS_TEST_POSTGRES).'; return $null }
    if (-not $IsLinux -and -not $IsMacOS) { Write-Host 'PostgreSQL: a private test server is started on Linux and macOS only.'; return $null }

    $bin = Find-DcPostgresBin
    if (-not $bin -and (Install-DcPostgres)) { $bin = Find-DcPostgresBin }
    if (-not $bin) { Write-Host 'PostgreSQL: not installed (initdb not found) and not installable here.'; return $null }

    $user = $null
    if ((id -u) -eq '0') {
        $user = 'postgres'
        & id $user *> $null
        if ($LASTEXITCODE -ne 0) { Write-Host "PostgreSQL: running as root and there is no '$user' user to run the server as."; return $null }
    }

    New-Item -ItemType Directory -Force $ParentFolder | Out-Null
    $folder = Join-Path $ParentFolder "postgres-$PID"
    if (Test-Path $folder) { Remove-Item -Recurse -Force $folder }
    New-Item -ItemType Directory $folder | Out-Null
    $data = Join-Path $folder 'data'
    $passwordFile = Join-Path $folder 'pwfile'
    $password = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(16)).ToLowerInvariant()
    Set-Content -Path $passwordFile -Value $password -NoNewline
    chmod 700 $folder
    chmod 600 $passwordFile
    if ($user) {
        # The server user must reach its folder through every parent.
        chown -R "${user}:" $folder
        $walk = Split-Path -Parent $folder
        while ($walk -and $walk -ne '/') { chmod o+x $walk 2>$null; $walk = Split-Path -Parent $walk }
    }

    $server = [pscustomobject]@{
        Host = '127.0.0.1'; Port = 0; User = 'dc_admin'; Password = $password; Bin = $bin
        Folder = $folder; DataFolder = $data; RunAs = $user; Log = (Join-Path $folder 'server.log')
    }
    $init = Invoke-DcAsServerUser $user (Join-Path $bin 'initdb') @('-D', $data, '-U', 'dc_admin', "--pwfile=$passwordFile",
        '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync')
    Remove-Item $passwordFile
    if ($LASTEXITCODE -ne 0) {
        Write-Host "PostgreSQL: initdb failed: $($init | Select-Object -Last 3)"
        Remove-Item -Recurse -Force $folder
        return $null
    }
    # Password for every line, loopback only; the socket lives in the private folder.
    Set-Content -Path (Join-Path $data 'pg_hba.conf') -Value @(
        'local all all scram-sha-256'
        'host all all 127.0.0.1/32 scram-sha-256'
    )
    if ($user) { chown "${user}:" (Join-Path $data 'pg_hba.conf') }

    foreach ($attempt in 1..3) {
        $server.Port = Get-DcFreeTcpPort
        $options = "-c listen_addresses=127.0.0.1 -c port=$($server.Port) -c unix_socket_directories=$folder -c fsync=off -c max_connections=100"
        $start = Invoke-DcAsServerUser $user (Join-Path $bin 'pg_ctl') @('-D', $data, '-l', $server.Log, '-o', $options, '-w', '-t', '60', 'start')
        if ($LASTEXITCODE -eq 0) {
            Write-Host "PostgreSQL: private server $(& (Join-Path $bin 'postgres') --version) on 127.0.0.1:$($server.Port) (data in $data)."
            return $server
        }
        Write-Host "PostgreSQL: start on port $($server.Port) failed: $($start | Select-Object -Last 2)"
    }
    Remove-Item -Recurse -Force $folder
    return $null
}

function Stop-DcTestPostgres {
    [CmdletBinding()]
    param([Parameter(Mandatory)] [AllowNull()] $Server)
    if (-not $Server) { return }
    Invoke-DcAsServerUser $Server.RunAs (Join-Path $Server.Bin 'pg_ctl') @('-D', $Server.DataFolder, '-m', 'immediate', '-w', 'stop') | Out-Null
    Remove-Item -Recurse -Force $Server.Folder -ErrorAction Ignore
}

function Set-DcTestPostgresEnvironment {
    # What the tests read (tests/Pester/PostgresHelpers.ps1); a user may set these to point at a server of their own.
    param([AllowNull()] $Server)
    $values = if ($Server) { @{ HOST = $Server.Host; PORT = "$($Server.Port)"; USER = $Server.User; PASSWORD = $Server.Password; BIN = $Server.Bin } } else { @{} }
    foreach ($name in 'HOST', 'PORT', 'USER', 'PASSWORD', 'BIN') {
        [Environment]::SetEnvironmentVariable("DATACOMPASS_TEST_PG_$name", $values[$name])
    }
}
