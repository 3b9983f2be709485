# Shared by every *.Tests.ps1: dot-source it in BeforeAll.
# build.ps1 sets DATACOMPASS_TEST_MODULE to the laid-out module (out/DataCompass/DataCompass.psd1).

$script:DcModulePath = if ($env:DATACOMPASS_TEST_MODULE) { $env:DATACOMPASS_TEST_MODULE } else {
    Join-Path $PSScriptRoot '../../out/DataCompass/DataCompass.psd1'
}
if (-not (Test-Path $script:DcModulePath)) {
    throw "The built module was not found at '$script:DcModulePath'. Run ./build.ps1 -Task Build first."
}

function Get-DcErrorId([string] $ErrorId, [string] $Cmdlet) {
    # '<ErrorId>,<cmdlet type full name>': what -ErrorId and FullyQualifiedErrorId compare against.
    $type = ($Cmdlet -replace '-', '') + 'Command'
    return "$ErrorId,DataCompass.Commands.$type"
}

function Get-CatalogSource([string] $Database) {
    # The catalog's sources; none when a refused command left no catalog behind (reading a catalog that is
    # not there is DcCatalogNotFound, which is what such a test expects).
    try {
        if ($Database) { Get-DcSource -Database $Database -ErrorAction Stop } else { Get-DcSource -ErrorAction Stop }
    }
    catch {
        if ($_.FullyQualifiedErrorId -notlike 'DcCatalogNotFound,*') { throw }
    }
}

function Invoke-ChildPwsh {
    <#
    .SYNOPSIS
        Runs a script in a fresh pwsh (-NoProfile -NonInteractive) and returns its output lines and exit code.
    #>
    param(
        [Parameter(Mandatory)] [string] $Script,
        [hashtable] $Environment = @{},
        [string] $WorkingDirectory = (Get-Location).Path,
        # Unix only: the child starts under this umask (set by /bin/sh, since .NET has no call for it).
        [string] $Umask
    )
    $exe = [Environment]::ProcessPath
    $prefix = @(if ((Split-Path -Leaf $exe) -match '^dotnet(\.exe)?$') { Join-Path $PSHOME 'pwsh.dll' })
    $scriptFile = Join-Path ([IO.Path]::GetTempPath()) ("dc-child-" + [guid]::NewGuid().ToString('n') + '.ps1')
    Set-Content -Path $scriptFile -Value $Script
    $saved = @{}
    try {
        foreach ($key in $Environment.Keys) {
            $saved[$key] = [Environment]::GetEnvironmentVariable($key)
            Set-TestVariable $key $Environment[$key]
        }
        Push-Location $WorkingDirectory
        try {
            $command = @($exe) + $prefix + @('-NoProfile', '-NonInteractive', '-File', $scriptFile)
            if ($Umask) { $command = @('/bin/sh', '-c', 'umask "$0" && exec "$@"', $Umask) + $command }
            $output = & $command[0] @($command | Select-Object -Skip 1) 2>&1 | ForEach-Object { "$_" }
            $exitCode = $LASTEXITCODE
        }
        finally {
            Pop-Location
        }
    }
    finally {
        foreach ($key in $saved.Keys) { Set-TestVariable $key $saved[$key] }
        Remove-Item $scriptFile -ErrorAction SilentlyContinue
    }
    [pscustomobject]@{ Output = @($output); ExitCode = $exitCode; Text = ($output -join [Environment]::NewLine) }
}

function Invoke-Runbook {
    <#
        Runs a script in a fresh pwsh -NonInteractive with stdin closed, and kills it after $TimeoutSeconds, so a
        command that waits for a prompt fails the test instead of hanging the run.
    #>
    param([Parameter(Mandatory)] [string] $Script, [hashtable] $Environment = @{}, [int] $TimeoutSeconds = 60)
    $scriptFile = Join-Path $TestDrive ("runbook-{0}.ps1" -f [guid]::NewGuid().ToString('n'))
    Set-Content -LiteralPath $scriptFile -Value $Script
    $exe = [Environment]::ProcessPath
    $info = [System.Diagnostics.ProcessStartInfo]::new($exe)
    if ((Split-Path -Leaf $exe) -match '^dotnet(\.exe)?$') { $info.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
    foreach ($argument in '-NoProfile', '-NonInteractive', '-File', $scriptFile) { $info.ArgumentList.Add($argument) }
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.UseShellExecute = $false
    foreach ($key in $Environment.Keys) { $info.Environment[$key] = [string] $Environment[$key] }
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $process = [System.Diagnostics.Process]::Start($info)
    try {
        $process.StandardInput.Close()
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        $exited = $process.WaitForExit($TimeoutSeconds * 1000)
        if (-not $exited) { $process.Kill($true); $process.WaitForExit() }
        [pscustomobject]@{
            TimedOut = -not $exited
            ExitCode = $process.ExitCode
            Text     = $stdout.GetAwaiter().GetResult() + $stderr.GetAwaiter().GetResult()
            Elapsed  = $watch.Elapsed
        }
    }
    finally {
        $process.Dispose()
    }
}

function Stop-ChildAtRandom {
    <#
    .SYNOPSIS
        Runs a script file in a fresh pwsh, waits until it prints START, then kills it (SIGKILL, whole process tree)
        after a random delay unless it has finished. Returns the delay and whether it was killed, for the log.
    #>
    param([Parameter(Mandatory)] [string] $ScriptPath, [int] $MinimumDelay = 0, [Parameter(Mandatory)] [int] $MaximumDelay)
    $exe = [Environment]::ProcessPath
    $launcher = @($exe) + @(if ((Split-Path -Leaf $exe) -match '^dotnet(\.exe)?$') { Join-Path $PSHOME 'pwsh.dll' })
    $start = [Diagnostics.ProcessStartInfo]::new($launcher[0])
    foreach ($argument in @($launcher | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $ScriptPath)) { $start.ArgumentList.Add($argument) }
    $start.UseShellExecute = $false
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    $child = [Diagnostics.Process]::Start($start)
    while (($line = $child.StandardOutput.ReadLine()) -ne $null -and $line -ne 'START') { }
    $delay = Get-Random -Minimum $MinimumDelay -Maximum $MaximumDelay
    Start-Sleep -Milliseconds $delay
    $killed = -not $child.HasExited
    if ($killed) { $child.Kill($true) }
    $child.WaitForExit()
    [pscustomobject]@{ Delay = $delay; Killed = $killed }
}

function Set-TestVariable([string] $Name, $Value) {
    # $Value is untyped: a [string] parameter would turn $null into '', leaving the variable set but empty.
    if ($null -eq $Value) { Remove-Item "env:$Name" -ErrorAction SilentlyContinue }
    else { [Environment]::SetEnvironmentVariable($Name, [string]$Value) }
}

function Get-FolderSnapshot([string] $Path) {
    <#
    .SYNOPSIS
        Name, size and SHA-256 of every file under a folder: compare two snapshots to prove nothing changed.
    #>
    if (-not (Test-Path $Path)) { return @() }
    Get-ChildItem -Path $Path -Recurse -File -Force | Sort-Object FullName | ForEach-Object {
        '{0} {1} {2}' -f $_.FullName, $_.Length, (Get-FileHash -Algorithm SHA256 -Path $_.FullName).Hash
    }
}

function Test-BytesContain([string] $Path, [string] $Text) {
    <#
    .SYNOPSIS
        True when a file's raw bytes hold the text in UTF-8 or UTF-16LE.
    #>
    if (-not (Test-Path $Path)) { return $false }
    $bytes = [IO.File]::ReadAllBytes($Path)
    foreach ($encoding in [Text.Encoding]::UTF8, [Text.Encoding]::Unicode) {
        $needle = $encoding.GetBytes($Text)
        if ((Find-Bytes $bytes $needle) -ge 0) { return $true }
    }
    return $false
}

function Find-Bytes([byte[]] $Haystack, [byte[]] $Needle) {
    # Latin-1 maps every byte to one char, so an ordinal string search is a byte search.
    $latin1 = [Text.Encoding]::Latin1
    return $latin1.GetString($Haystack).IndexOf($latin1.GetString($Needle), [StringComparison]::Ordinal)
}

function New-Canary([string] $Prefix = 'Canary') {
    # Unique per call, so a hit can only come from this test's secret.
    return '{0}-{1}' -f $Prefix, ([guid]::NewGuid().ToString('n'))
}

function Find-Canary {
    <#
    .SYNOPSIS
        Every (file, canary, form) hit: the canary verbatim and its GUID part alone (which also catches
        JSON-escaped and URL-encoded copies), plus the GUID part in a copy of the text without whitespace, '|'
        and ANSI codes (a copy that a formatter wrapped across lines).
    .PARAMETER Canaries
        A hashtable of label to canary value.
    #>
    param([string[]] $Path, [System.Collections.IDictionary] $Canaries)
    foreach ($file in $Path) {
        $collapsed = Join-Path ([IO.Path]::GetTempPath()) ('dc-collapsed-' + [guid]::NewGuid().ToString('n'))
        $text = [IO.File]::ReadAllText($file)
        [IO.File]::WriteAllText($collapsed, (($text -replace '\x1b\[[0-9;?]*[A-Za-z]', '') -replace '[\s|]', ''))
        try {
            foreach ($entry in $Canaries.GetEnumerator()) {
                $guidPart = ($entry.Value -split '-')[-1]
                foreach ($form in @{ verbatim = $entry.Value; 'GUID part' = $guidPart }.GetEnumerator()) {
                    if (Test-BytesContain -Path $file -Text $form.Value) { "$($entry.Key) ($($form.Key)) in $file" }
                }
                if (Test-BytesContain -Path $collapsed -Text $guidPart) { "$($entry.Key) (GUID part, across a line break) in $file" }
            }
        }
        finally {
            Remove-Item $collapsed
        }
    }
}

function Test-AnyContains([string[]] $Path, [string] $Text) {
    foreach ($file in $Path) { if (Test-BytesContain -Path $file -Text $Text) { return $true } }
    return $false
}

function Get-StreamText {
    <#
    .SYNOPSIS
        Runs a script block with every stream merged and returns all of it as text: records, their messages,
        error targets and exceptions, formatted output (default view and list), the objects as JSON (nested
        values included), and what $Error gained.
    #>
    param([Parameter(Mandatory)] [scriptblock] $Script)
    $Error.Clear()
    $records = @(& $Script *>&1)
    $parts = foreach ($record in $records) {
        if ($record -is [System.Management.Automation.ErrorRecord]) {
            $record.ToString(); "$($record.TargetObject)"; $record.Exception.ToString(); ($record | Out-String)
        }
        elseif ($record -is [System.Management.Automation.InformationalRecord]) { $record.Message }
        elseif ($record -is [System.Management.Automation.InformationRecord]) { "$($record.MessageData)" }
        else { "$record"; ($record | Format-List * | Out-String); (ConvertTo-Json -InputObject $record -Depth 4 -Compress -WarningAction SilentlyContinue) }
    }
    $errors = foreach ($entry in $Error) { "$entry"; "$($entry.TargetObject)"; "$($entry.Exception)" }
    (@($parts) + @($errors) + @($records | Out-String)) -join [Environment]::NewLine
}

function Get-ErrorText([object[]] $Records) {
    # Everything PowerShell would show about error records, for "never leak" checks.
    foreach ($record in $Records) {
        if ($null -eq $record) { continue }
        $record | Out-String -Width 4096
        $record | Format-List * -Force | Out-String -Width 4096
        "$record"
        "$($record.TargetObject)"
        if ($record -is [Management.Automation.ErrorRecord]) {
            $record.Exception | Format-List * -Force | Out-String -Width 4096
            $record.Exception.ToString()
        }
    }
}

function Assert-NoValue($Record, [string[]] $Value) {
    $text = (Get-ErrorText $Record) -join "`n"
    foreach ($item in $Value) {
        $text.Contains($item) | Should -BeFalse -Because "an error must never show a secret value ('$item')"
        $text.Contains(($item -split '-')[-1]) | Should -BeFalse -Because 'not even part of it'
    }
}

function Restore-TestEnvironment {
    # Puts back the variables a test file saved: $script:EnvNames and $script:SavedEnv in that file's scope.
    foreach ($name in $script:EnvNames) { Set-TestVariable $name $script:SavedEnv[$name] }
}
