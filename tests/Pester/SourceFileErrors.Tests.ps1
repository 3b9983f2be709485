#Requires -Version 7.4
# A source file that cannot be read: a YAML syntax error names the line and the key it starts with (never the
# rest of the line, which may hold a secret), and a missing file in a CSV import names the source it was for.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    Import-Module $script:DcModulePath -Force
    $script:EnvNames = @('DATACOMPASS_DATA_DIR')
    $script:SavedEnv = @{}
    foreach ($name in $script:EnvNames) { $script:SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name) }
}

AfterAll {
    Restore-TestEnvironment
}

Describe 'A source file that cannot be read' {
    BeforeEach {
        Restore-TestEnvironment
        $env:DATACOMPASS_DATA_DIR = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        $script:Folder = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        $null = New-Item -ItemType Directory $script:Folder
    }

    It 'names the line and its key for a YAML syntax error, <Case>' -ForEach @(
        @{ Case = 'an unclosed list'; Yaml = "host: h`ndatabase: [sales`nusername: u`npassword: '{0}'`n"; Line = 'line [23]'; Key = 'database|username' }
        @{ Case = 'an unterminated quote around a secret'; Yaml = "host: h`ndatabase: d`nusername: u`npassword: '{0}`nssl_mode: require`n"; Line = 'line [45]'; Key = 'password|ssl_mode' }
    ) {
        $canary = New-Canary 'yamlline'
        $file = Join-Path $script:Folder 'bad.yaml'
        Set-Content -LiteralPath $file -Value ($Yaml -f $canary) -NoNewline
        $failure = $null
        try { Add-DcSource -Name prod -Type postgresql -Path $file -ErrorAction Stop } catch { $failure = $_ }
        $failure.FullyQualifiedErrorId | Should -BeLike 'DcSourceFileInvalid,*'
        $failure.Exception.Message | Should -Match $Line
        $failure.Exception.Message | Should -Match "the line of key '($Key)'"
        (Get-ErrorText $failure) -join "`n" | Should -Not -Match (($canary -split '-')[-1])
    }

    It 'names the source whose file is missing, in a CSV import' {
        $csv = Join-Path $script:Folder 'sources.csv'
        $present = Join-Path $script:Folder 'present.yaml'
        Set-Content -LiteralPath $present -Value "host: h`ndatabase: d`nusername: u`npassword: `${DCT_FILE_PW}`n"
        Set-Content -LiteralPath $csv -Value "Name,Type,Path`nfound,postgresql,$present`nlost,postgresql,$(Join-Path $script:Folder 'nope.yaml')"

        Import-Csv $csv | Add-DcSource -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'DcSourceFileNotFound,*'
        $failures[0].Exception.Message | Should -Match "^Source 'lost': .*nope\.yaml' does not exist"
        @(Get-DcSource).Name | Should -Be @('found')
    }
}
