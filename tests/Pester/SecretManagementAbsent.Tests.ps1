# What a user without Microsoft.PowerShell.SecretManagement sees. Runs in a child pwsh whose module path has
# no SecretManagement at all (the stand-in folder is removed from it), whatever the suite itself runs against.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    $script:DataDir = Join-Path $TestDrive 'data'
    $modulePath = ($env:PSModulePath -split [IO.Path]::PathSeparator |
        Where-Object { $_ -and -not (Test-Path (Join-Path $_ 'Microsoft.PowerShell.SecretManagement')) }) -join [IO.Path]::PathSeparator
    $script:Run = Invoke-ChildPwsh -Environment @{ PSModulePath = $modulePath; DATACOMPASS_DATA_DIR = $script:DataDir; DCT_MODULE = $script:DcModulePath } -Script @'
Import-Module $env:DCT_MODULE
$found = [bool](Get-Command -Name 'Microsoft.PowerShell.SecretManagement\Get-Secret' -ErrorAction Ignore)
$Error.Clear()
$literal = try { Add-DcSource -Name lit -Type postgresql -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = 'canary-absent' }; 'added' } catch { $_ }
Add-DcSource -Name ref -Type postgresql -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = '${secret:Store/pg}' }
$named = try { Add-DcSource -Name named -Type postgresql -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = 'canary-absent' } -Vault Store -ErrorAction Stop; 'added' } catch { $_ }
$unqualified = try { Add-DcSource -Name unq -Type postgresql -Connection @{ host = 'h'; database = 'd'; username = 'u'; password = '${secret:pg}' } -ErrorAction Stop; 'added' } catch { $_ }
$null = Get-DcSourceConnection ref -ErrorVariable connectionErrors -ErrorAction SilentlyContinue
$test = Test-DcSource ref
$quiet = Test-DcSource -Quiet
[pscustomobject]@{
    Found             = $found
    LiteralId         = $literal.FullyQualifiedErrorId
    LiteralMessage    = $literal.Exception.Message
    NamedId           = $named.FullyQualifiedErrorId
    NamedMessage      = $named.Exception.Message
    UnqualifiedId     = $unqualified.FullyQualifiedErrorId
    ConnectionIds     = @($connectionErrors.FullyQualifiedErrorId)
    ConnectionTargets = @($connectionErrors.TargetObject)
    TestStatus        = $test.Status
    Quiet             = $quiet
    ErrorIds          = @($Error | ForEach-Object { if ($_ -is [System.Management.Automation.ErrorRecord]) { $_.FullyQualifiedErrorId } else { $_.GetType().FullName } })
    Sources           = @(Get-DcSource | ForEach-Object Name)
} | ConvertTo-Json -Compress
'@
    $script:Result = $script:Run.Output | Where-Object { $_ -like '{*' } | Select-Object -Last 1 | ConvertFrom-Json
}

Describe 'Without SecretManagement' -Tag 'Integration' {
    It 'ran in a session where SecretManagement cannot be found' {
        $script:Result | Should -Not -BeNullOrEmpty -Because $script:Run.Text
        $script:Result.Found | Should -BeFalse
    }

    It 'refuses a literal secret, saying SecretManagement is not installed' {
        $script:Result.LiteralId | Should -Be (Get-DcErrorId 'DcPlaintextSecretRefused' 'Add-DcSource')
        $script:Result.LiteralMessage | Should -BeLike '*SecretManagement is not installed*'
        $script:Result.LiteralMessage | Should -Not -BeLike '*canary-absent*'
    }

    It 'answers -Vault with DcSecretManagementNotInstalled and how to install it, writing nothing' {
        $script:Result.NamedId | Should -Be (Get-DcErrorId 'DcSecretManagementNotInstalled' 'Add-DcSource')
        $script:Result.NamedMessage | Should -BeLike '*Install-PSResource Microsoft.PowerShell.SecretManagement*'
        $script:Result.NamedMessage | Should -Not -BeLike '*canary-absent*'
    }

    It 'stores a vault-qualified reference, and refuses an unqualified one it cannot qualify' {
        $script:Result.Sources | Should -Be @('ref')
        $script:Result.UnqualifiedId | Should -Be (Get-DcErrorId 'DcNoVaultAvailable' 'Add-DcSource')
    }

    It 'reports DcSecretManagementNotInstalled at connection time, naming the reference' {
        $script:Result.ConnectionIds | Should -Be @((Get-DcErrorId 'DcSecretManagementNotInstalled' 'Get-DcSourceConnection'))
        $script:Result.ConnectionTargets | Should -Be @('${secret:Store/pg}')
    }

    It 'reports the reference as unresolvable in Test-DcSource' {
        $script:Result.TestStatus | Should -Be 'SecretManagementNotInstalled'
        $script:Result.Quiet | Should -BeFalse
    }

    It 'leaves only DataCompass errors in $Error' {
        @($script:Result.ErrorIds | Where-Object { $_ -notmatch '^Dc[A-Za-z]+,DataCompass\.Commands\.[A-Za-z]+Command$' }) | Should -BeNullOrEmpty
    }
}
