#Requires -Version 7.4
# A name that finds no source: the error says which name comes close ("did you mean") and, when -Type leaves the
# source out, that it is there under another type, instead of that there is no such source. Same ErrorId.

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

Describe 'A source name that finds nothing' {
    BeforeEach {
        Restore-TestEnvironment
        $env:DATACOMPASS_DATA_DIR = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        Add-DcSource -Name 'sales-prod' -Type postgresql -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = '${DCT_NAME_PW}' } -ErrorAction Stop
        Add-DcSource -Name 'warehouse' -Type snowflake -Connection @{ account = 'a'; warehouse = 'W'; database = 'D'; username = 'u'; password = '${DCT_NAME_PW}' } -ErrorAction Stop
    }

    It 'suggests the name within two edits, in <Command>' -ForEach @(
        @{ Command = 'Get-DcSource'; Call = { Get-DcSource -Name 'sales-prd' -ErrorVariable failures -ErrorAction SilentlyContinue; $failures } }
        @{ Command = 'Get-DcSourceConnection'; Call = { Get-DcSourceConnection -Name 'sales-prd' -ErrorVariable failures -ErrorAction SilentlyContinue; $failures } }
        @{ Command = 'Test-DcSource'; Call = { Test-DcSource -Name 'sales-prd' -ErrorVariable failures -ErrorAction SilentlyContinue; $failures } }
        @{ Command = 'Remove-DcSource'; Call = { Remove-DcSource -Name 'sales-prd' -Confirm:$false -ErrorVariable failures -ErrorAction SilentlyContinue; $failures } }
        @{ Command = 'Set-DcSource'; Call = { try { Set-DcSource -Name 'sales-prd' -DisplayName x -ErrorAction Stop } catch { $_ } } }
        @{ Command = 'Set-DcSourceSecret'; Call = { try { Set-DcSourceSecret -Name 'sales-prd' -Field password -Secret (ConvertTo-SecureString 'x' -AsPlainText -Force) -ErrorAction Stop } catch { $_ } } }
    ) {
        $failure = @(& $Call | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })[0]
        $failure.FullyQualifiedErrorId | Should -BeLike 'DcSourceNotFound,*'
        $failure.Exception.Message | Should -Match "No source named 'sales-prd'.*\(did you mean 'sales-prod'\?\)"
    }

    It 'suggests nothing for a name far from every source' {
        $null = Get-DcSource -Name 'inventory' -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].Exception.Message | Should -Not -Match 'did you mean'
    }

    It 'says a source is there under another type when -Type leaves it out' {
        $out = Get-DcSource -Name 'warehouse' -Type postgresql -ErrorVariable failures -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $failures[0].FullyQualifiedErrorId | Should -BeExactly 'DcSourceNotFound,DataCompass.Commands.GetDcSourceCommand'
        $failures[0].Exception.Message | Should -Match "'warehouse' .* is a snowflake source, which -Type postgresql leaves out"
    }
}
