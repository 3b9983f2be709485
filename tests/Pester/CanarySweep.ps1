# Dot-sourced by the canary suites' child sessions (path in $env:DCTEST_SWEEP). Runs each step with every stream
# merged, writes what a user could have seen to files the test then greps for canaries, and returns the ErrorIds.

function Invoke-CanarySweep {
    param(
        [Parameter(Mandatory)] [scriptblock[]] $Steps,
        [Parameter(Mandatory)] [string] $Out
    )
    $captured = foreach ($step in $Steps) {
        "---- $step"
        try { & $step *>&1 } catch { $_ }
    }
    # Each record twice: as PowerShell formats it, and unwrapped with its stream and ErrorId.
    $details = foreach ($record in $captured) {
        switch ($record) {
            { $_ -is [System.Management.Automation.ErrorRecord] } {
                "ERROR [$($_.FullyQualifiedErrorId)] [$($_.CategoryInfo.Category)] $($_.Exception.Message) | target: $($_.TargetObject)"; break }
            { $_ -is [System.Management.Automation.WarningRecord] } { "WARNING: $($_.Message)"; break }
            { $_ -is [System.Management.Automation.VerboseRecord] } { "VERBOSE: $($_.Message)"; break }
            { $_ -is [System.Management.Automation.DebugRecord] } { "DEBUG: $($_.Message)"; break }
            { $_ -is [System.Management.Automation.InformationRecord] } { "INFORMATION: $($_.MessageData)"; break }
            default { "$_" }
        }
    }
    $captured | Out-Host
    $details | Out-Host
    $captured | Out-File -FilePath (Join-Path $Out 'streams.txt') -Width 4096
    $details | Add-Content -Path (Join-Path $Out 'streams.txt')
    $null = Stop-Transcript

    $errorsFile = Join-Path $Out 'errors.txt'
    $errorList = @($global:Error)   # a snapshot: writing the dump must not change what is dumped
    $errorList | Out-String -Width 4096 | Set-Content -Path $errorsFile
    for ($i = 0; $i -lt $errorList.Count; $i++) {
        $record = $errorList[$i]
        Add-Content -Path $errorsFile -Value "==== `$Error[$i] ($($record.GetType().FullName))"
        if ($record -is [System.Management.Automation.ErrorRecord]) {
            Add-Content -Path $errorsFile -Value $record.Exception.ToString()
            Add-Content -Path $errorsFile -Value ($record | Format-List * -Force | Out-String -Width 4096)
            Add-Content -Path $errorsFile -Value "$($record.TargetObject)"
            Add-Content -Path $errorsFile -Value "$($record.ErrorDetails)"
        }
        else {
            Add-Content -Path $errorsFile -Value $record.ToString()
        }
    }
    @($errorList | ForEach-Object {
        if ($_ -is [System.Management.Automation.ErrorRecord]) { $_.FullyQualifiedErrorId } else { "$($_.GetType().FullName): $($_.Message)" } })
}
