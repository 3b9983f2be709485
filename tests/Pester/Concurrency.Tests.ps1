#Requires -Version 7.4
# Four runbooks on one catalog at once: each pwsh adds 250 sources in a loop, reading, resolving, testing and
# removing some of them as it goes. No row may be lost or left behind, no 'database is locked' (or any other
# error) may reach a user, and a catalog file must pass PRAGMA integrity_check. The same run goes against a catalog
# on the test PostgreSQL server: four machines' worth of writers on one server.

BeforeDiscovery {
    $script:Backends = @(
        @{ Backend = 'SQLite'; Tags = @('Concurrency'); Skip = $false }
        @{ Backend = 'PostgreSQL'; Tags = @('Concurrency', 'PostgreSQL'); Skip = (-not $env:DATACOMPASS_TEST_PG_PORT) }
    )
}

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/RawSql.ps1
    . $PSScriptRoot/PostgresHelpers.ps1
    Import-Module $script:DcModulePath -Force

    $script:WorkerCount = 4
    $script:PerWorker = 250
    $script:Work = Join-Path $TestDrive 'concurrency'
    $null = New-Item -ItemType Directory -Path $script:Work
    $workerScript = Join-Path $script:Work 'worker.ps1'
    Set-Content -Path $workerScript -Value @'
$ErrorActionPreference = 'Stop'
$work = $env:DCTEST_WORK
$me = $env:DCTEST_WORKER
$db = $env:DCTEST_DB
$count = [int] $env:DCTEST_COUNT
$env:DCTEST_CONC_PW = 'pw-from-env'
$failures = [System.Collections.Generic.List[string]]::new()
$removed = [System.Collections.Generic.List[string]]::new()
$operations = @{ add = 0; get = 0; list = 0; connection = 0; test = 0; remove = 0 }
$started = 0
function Step([string] $What, [scriptblock] $Action) {
    # Every record of every stream: an error a user would see is a failure, whatever its id.
    try {
        foreach ($record in @(& $Action *>&1)) {
            if ($record -is [System.Management.Automation.ErrorRecord]) { $failures.Add("$What $($record.FullyQualifiedErrorId): $($record.Exception.Message)") }
            elseif ($record -is [System.Management.Automation.WarningRecord]) { $failures.Add("$What warning: $($record.Message)") }
            else { $record }
        }
    }
    catch { $failures.Add("$What $($_.FullyQualifiedErrorId): $($_.Exception.Message)") }
}
try {
    Import-Module $env:DCTEST_MODULE
    Set-Content -Path (Join-Path $work "ready-$me") -Value ''
    $deadline = [DateTime]::UtcNow.AddSeconds(120)
    while (-not (Test-Path (Join-Path $work 'go'))) {
        if ([DateTime]::UtcNow -gt $deadline) { throw 'The start signal never came.' }
        Start-Sleep -Milliseconds 5
    }
    $started = [DateTime]::UtcNow.Ticks
    foreach ($i in 1..$count) {
        $name = "$me-$i"
        $connection = @{ host = "host-$name.example.com"; database = 'app'; username = 'svc'; password = '${DCTEST_CONC_PW}' }
        Step "add $name" { Add-DcSource -Name $name -Type postgresql -Connection $connection -Database $db }
        $operations.add++
        if ($i % 5 -eq 0) {
            $got = @(Step "get $name" { Get-DcSource -Name $name -Database $db })
            if ($got.Count -ne 1 -or $got[0].Name -ne $name) { $failures.Add("get $name returned $($got.Count) sources") }
            $operations.get++
            $resolved = @(Step "connection $name" { Get-DcSourceConnection -Name $name -Database $db -AsPlainText })
            if ($resolved.Count -ne 1 -or $resolved[0].Settings['password'] -ne 'pw-from-env') { $failures.Add("connection $name did not resolve") }
            $operations.connection++
            $tested = @(Step "test $name" { Test-DcSource -Name $name -Database $db -Quiet })
            if ($tested -ne @($true)) { $failures.Add("test $name was $tested") }
            $operations.test++
        }
        if ($i % 25 -eq 0) {
            $all = @(Step 'list' { Get-DcSource -Database $db })
            if (@($all | Where-Object Name -like "$me-*").Count -ne ($i - $removed.Count)) { $failures.Add("list after $name saw $(@($all | Where-Object Name -like "$me-*").Count) of my $($i - $removed.Count) sources") }
            $operations.list++
        }
        if ($i % 10 -eq 0) {
            # Remove one added earlier (and not yet removed).
            $victim = "$me-$($i - 7)"
            Step "remove $victim" { Remove-DcSource -Name $victim -Database $db -Confirm:$false }
            $removed.Add($victim)
            $operations.remove++
        }
    }
}
catch {
    $failures.Add("worker $me $($_.FullyQualifiedErrorId): $($_.Exception.Message)")
}
@{ Worker = $me; Failures = @($failures); Removed = @($removed); Operations = $operations; Started = $started; Finished = [DateTime]::UtcNow.Ticks } |
    ConvertTo-Json -Depth 4 | Set-Content -Path (Join-Path $work "result-$me.json")
exit $failures.Count
'@

    $script:WorkerScript = $workerScript

    function Start-ConcurrencyRun([string] $Database) {
        $workerScript = $script:WorkerScript
        $script:Work = Join-Path $TestDrive ('concurrency-' + [guid]::NewGuid().ToString('N'))
        $null = New-Item -ItemType Directory -Path $script:Work
        $exe = [Environment]::ProcessPath
        $prefix = @(if ((Split-Path -Leaf $exe) -match '^dotnet(\.exe)?$') { Join-Path $PSHOME 'pwsh.dll' })
        $script:Names = @(1..$script:WorkerCount | ForEach-Object { "w$_" })
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $script:Workers = foreach ($worker in $script:Names) {
            $info = [System.Diagnostics.ProcessStartInfo]::new($exe)
            foreach ($argument in @($prefix) + @('-NoProfile', '-NonInteractive', '-File', $workerScript)) { $info.ArgumentList.Add($argument) }
            $info.UseShellExecute = $false
            $info.RedirectStandardOutput = $true
            $info.RedirectStandardError = $true
            $info.Environment['DCTEST_MODULE'] = $script:DcModulePath
            $info.Environment['DCTEST_WORK'] = $script:Work
            $info.Environment['DCTEST_DB'] = $Database
            $info.Environment['DCTEST_WORKER'] = $worker
            $info.Environment['DCTEST_COUNT'] = [string] $script:PerWorker
            $info.Environment['POWERSHELL_TELEMETRY_OPTOUT'] = '1'
            $process = [System.Diagnostics.Process]::Start($info)
            [pscustomobject]@{ Name = $worker; Process = $process; Stdout = $process.StandardOutput.ReadToEndAsync(); Stderr = $process.StandardError.ReadToEndAsync() }
        }

        $deadline = [DateTime]::UtcNow.AddSeconds(120)
        while (@($script:Workers | Where-Object { -not (Test-Path (Join-Path $script:Work "ready-$($_.Name)")) }).Count -gt 0) {
            if ([DateTime]::UtcNow -gt $deadline -or @($script:Workers | Where-Object { $_.Process.HasExited }).Count -gt 0) { break }
            Start-Sleep -Milliseconds 20
        }
        Set-Content -Path (Join-Path $script:Work 'go') -Value ''
        foreach ($worker in $script:Workers) {
            if (-not $worker.Process.WaitForExit(600000)) { $worker.Process.Kill($true) }
            $worker.Process.WaitForExit()
        }
        Write-Host ("    {0} workers x {1} adds took {2:n1} s" -f $script:WorkerCount, $script:PerWorker, $clock.Elapsed.TotalSeconds)
        $script:Reports = @{}
        foreach ($worker in $script:Workers) {
            $file = Join-Path $script:Work "result-$($worker.Name).json"
            if (Test-Path $file) { $script:Reports[$worker.Name] = Get-Content -Raw $file | ConvertFrom-Json }
        }
    }
}

AfterAll {
    foreach ($worker in $script:Workers) { if (-not $worker.Process.HasExited) { $worker.Process.Kill($true) } }
}

Describe 'Four processes adding, reading, testing and removing at once, on <Backend>' -ForEach $script:Backends {
    BeforeAll {
        if ($Skip) { return }
        $script:Catalog = if ($Backend -eq 'SQLite') { $null } else { New-DcTestCatalog -Backend PostgreSQL }
        $script:Db = if ($Backend -eq 'SQLite') { Join-Path $TestDrive 'concurrency-shared/datacompass.db' } else { $script:Catalog.Database }
        Start-ConcurrencyRun $script:Db
    }

    AfterAll {
        Remove-DcTestCatalog $script:Catalog
    }

    It 'every worker finished its loop and reported' -Tag $Tags -Skip:$Skip {
        foreach ($worker in $script:Workers) {
            $script:Reports[$worker.Name] | Should -Not -BeNullOrEmpty -Because "$($worker.Name): $($worker.Stdout.Result) $($worker.Stderr.Result)"
            $script:Reports[$worker.Name].Operations.add | Should -Be $script:PerWorker
            $script:Reports[$worker.Name].Operations.remove | Should -Be ($script:PerWorker / 10)
        }
    }

    It 'no worker saw an error, a warning or a wrong answer' -Tag $Tags -Skip:$Skip {
        foreach ($worker in $script:Workers) {
            @($script:Reports[$worker.Name].Failures) | Should -BeNullOrEmpty -Because "worker $($worker.Name) must not fail on a busy database"
            $worker.Process.ExitCode | Should -Be 0
        }
    }

    It 'no ''database is locked'' nor ''busy'' reached any stream of any worker' -Tag $Tags -Skip:$Skip {
        foreach ($worker in $script:Workers) {
            $text = "$($worker.Stdout.Result)`n$($worker.Stderr.Result)`n$(@($script:Reports[$worker.Name].Failures) -join "`n")"
            $text | Should -Not -Match 'database is locked|database table is locked|SQLITE_BUSY|\bbusy\b'
            $worker.Stderr.Result | Should -BeNullOrEmpty
        }
    }

    It 'ran the workers'' loops at the same time' -Tag $Tags -Skip:$Skip {
        $reports = @($script:Reports.Values)
        $latestStart = ($reports.Started | Measure-Object -Maximum).Maximum
        $earliestEnd = ($reports.Finished | Measure-Object -Minimum).Minimum
        $latestStart | Should -BeLessThan $earliestEnd
    }

    It 'keeps exactly the rows that should be there, and the file is intact' -Tag $Tags -Skip:$Skip {
        $expected = foreach ($worker in $script:Names) {
            $removed = @($script:Reports[$worker].Removed)
            foreach ($i in 1..$script:PerWorker) { if ("$worker-$i" -notin $removed) { "$worker-$i" } }
        }
        @($expected).Count | Should -Be ($script:WorkerCount * $script:PerWorker * 9 / 10)
        @(Get-DcSource -Database $script:Db | ForEach-Object Name | Sort-Object) | Should -Be @($expected | Sort-Object)
        $sql = 'SELECT count(*) AS n, count(DISTINCT id) AS ids, count(DISTINCT lower(name)) AS names FROM data_sources'
        if ($Backend -eq 'SQLite') {
            $rows = Invoke-RawSql -Database $script:Db -Sql $sql -ReadOnly
            @(Invoke-RawSql -Database $script:Db -Sql 'PRAGMA integrity_check' -ReadOnly | ForEach-Object integrity_check) | Should -Be @('ok')
        }
        else {
            $n, $ids, $names = (Invoke-DcTestPsql -Database $script:Catalog.Login -Sql "$sql;") -split '\|'
            $rows = [pscustomobject]@{ n = [int]$n; ids = [int]$ids; names = [int]$names }
        }
        $rows.n | Should -Be @($expected).Count
        $rows.ids | Should -Be $rows.n
        $rows.names | Should -Be $rows.n
    }
}
