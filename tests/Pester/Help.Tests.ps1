#Requires -Version 7.4
# Help as the user gets it: Get-Help on each exported cmdlet reads the MAML file that build.ps1 generates from
# module/help, so every cmdlet has a real synopsis and description, examples whose code parses and uses only real
# parameters, and a description for every parameter; about_DataCompass is there too.

BeforeDiscovery {
    . $PSScriptRoot/TestHelpers.ps1
    # Discovery must not load the module: read the exported names from the manifest as data.
    $manifestData = Import-PowerShellDataFile -Path $script:DcModulePath
    $script:ExportedCmdlets = @($manifestData.CmdletsToExport | ForEach-Object { @{ Name = $_ } })
}

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    $script:Module = Import-Module $script:DcModulePath -Force -PassThru -ErrorAction Stop
    $script:ModuleCmdlets = @($script:Module.ExportedCmdlets.Keys)
    $script:CommonParameters = [System.Management.Automation.Cmdlet]::CommonParameters +
        [System.Management.Automation.Cmdlet]::OptionalCommonParameters

    function Get-HelpText($Items) {
        # Get-Help gives descriptions as arrays of objects with a Text property (one per paragraph).
        return (@($Items | ForEach-Object { if ($_ -is [string]) { $_ } else { $_.Text } }) -join "`n").Trim()
    }

    function Get-ParseErrors([string] $Code) {
        $tokens = $null
        $errors = $null
        $null = [System.Management.Automation.Language.Parser]::ParseInput($Code, [ref] $tokens, [ref] $errors)
        return @($errors)
    }

    function Get-UnknownParameters([string] $Code) {
        # Every -Parameter given to a DataCompass cmdlet in the code must be one of its parameters or aliases.
        $ast = [System.Management.Automation.Language.Parser]::ParseInput($Code, [ref] $null, [ref] $null)
        $commands = $ast.FindAll({ param($node) $node -is [System.Management.Automation.Language.CommandAst] }, $true)
        foreach ($command in $commands) {
            $name = $command.GetCommandName()
            if ($name -notin $script:ModuleCmdlets) { continue }
            $metadata = Get-Command -Name $name -Module DataCompass
            $known = @($metadata.Parameters.Values | ForEach-Object { $_.Name; $_.Aliases })
            foreach ($parameter in $command.CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] }) {
                if ($parameter.ParameterName -notin $known) { "$name -$($parameter.ParameterName)" }
            }
        }
    }
}

AfterAll {
    Remove-Module DataCompass -Force -ErrorAction SilentlyContinue
}

Describe 'The online copy of the help' {
    BeforeAll {
        $script:Repo = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
        $script:Manifest = Import-PowerShellDataFile -Path $script:DcModulePath
    }

    It 'is named by the manifest (ProjectUri, ReleaseNotes), and the release notes ship with the module' {
        $script:Manifest.PrivateData.PSData.ProjectUri | Should -Match '^https://'
        $script:Manifest.PrivateData.PSData.ReleaseNotes | Should -BeLike '*CHANGELOG.md*'
        Join-Path (Split-Path $script:DcModulePath) 'CHANGELOG.md' | Should -Exist
    }

    It 'is where every cmdlet''s HelpUri points: docs/help/<cmdlet>.md in the project''s repository' {
        $project = $script:Manifest.PrivateData.PSData.ProjectUri
        foreach ($name in $script:ModuleCmdlets) {
            (Get-Command $name -Module DataCompass).HelpUri | Should -BeExactly "$project/blob/main/docs/help/$name.md"
            Join-Path $script:Repo "docs/help/$name.md" | Should -Exist
        }
    }

    It 'says what the shipped help says: docs/help written again from module/help matches the committed copy' {
        $fresh = Join-Path $TestDrive 'docs-help'
        $run = Invoke-ChildPwsh -Script "& '$(Join-Path $script:Repo 'module/help/ConvertTo-MarkdownHelp.ps1')' -ModulePath '$($script:DcModulePath)' -OutputPath '$fresh'"
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $committed = @(Get-ChildItem (Join-Path $script:Repo 'docs/help') -File | Sort-Object Name)
        @(Get-ChildItem $fresh -File | Sort-Object Name).Name | Should -Be $committed.Name
        foreach ($file in $committed) {
            [IO.File]::ReadAllText((Join-Path $fresh $file.Name)) | Should -BeExactly ([IO.File]::ReadAllText($file.FullName)) -Because "docs/help/$($file.Name) is stale: run ./build.ps1 -Task Docs"
        }
    }
}

Describe 'The help file of the module' {
    It 'is the MAML file every cmdlet names, in en-US beside the module' {
        $path = Join-Path $script:Module.ModuleBase 'en-US/DataCompass.dll-Help.xml'
        Test-Path -LiteralPath $path | Should -BeTrue
        [xml] $maml = Get-Content -Raw -LiteralPath $path
        $maml.helpItems.schema | Should -Be 'maml'
        @($maml.helpItems.command.details.name | Sort-Object) | Should -Be @($script:ModuleCmdlets | Sort-Object)
        @(Get-Command -Module DataCompass | Where-Object HelpFile -NE 'DataCompass.dll-Help.xml') | Should -BeNullOrEmpty
    }

    It 'has an about_DataCompass topic' {
        $about = Get-Help -Name about_DataCompass -ErrorAction Stop
        $about | Should -Not -BeNullOrEmpty
        $about.Category | Should -Be 'HelpFile'
        ($about | Out-String) | Should -Match 'about_DataCompass'
    }

    It 'has an about_DataCompass_Security topic that says what a PostgreSQL server keeps' {
        $about = Get-Help -Name about_DataCompass_Security -ErrorAction Stop
        $about.Category | Should -Be 'HelpFile'
        $text = $about | Out-String
        foreach ($kept in 'write-ahead log', 'replicas', 'backups', 'VACUUM FULL') { $text | Should -Match $kept }
    }
}

Describe 'Help for <Name>' -ForEach $script:ExportedCmdlets {
    BeforeAll {
        $script:Command = Get-Command -Name $Name -Module DataCompass -ErrorAction Stop
        $script:Help = Get-Help -Name $Name -Full -ErrorAction Stop
        $script:Examples = @($script:Help.examples.example | Where-Object { $_ })
    }

    It 'has a synopsis that is not the generated syntax' {
        $synopsis = "$($script:Help.Synopsis)".Trim()
        $synopsis | Should -Not -BeNullOrEmpty
        # Without a help file, Get-Help makes the synopsis from the syntax, which starts with the command name.
        $synopsis | Should -Not -BeLike "$Name*"
        $synopsis | Should -Not -Match '\[-\w+'
    }

    It 'has a description' {
        Get-HelpText $script:Help.description | Should -Not -BeNullOrEmpty
    }

    It 'has at least two examples, each with code' {
        $script:Examples.Count | Should -BeGreaterOrEqual 2
        foreach ($example in $script:Examples) {
            "$($example.code)".Trim() | Should -Not -BeNullOrEmpty -Because "every example of $Name shows code ($($example.title))"
        }
    }

    It 'has example code that parses' {
        foreach ($example in $script:Examples) {
            $errors = Get-ParseErrors "$($example.code)"
            ($errors | ForEach-Object { "line $($_.Extent.StartLineNumber): $($_.Message)" }) -join '; ' |
                Should -BeNullOrEmpty -Because "the code of '$($example.title.Trim('- '))' must parse"
        }
    }

    It 'has examples that call it, with parameters the cmdlets have' {
        foreach ($example in $script:Examples) {
            "$($example.code)" | Should -Match ([regex]::Escape($Name)) -Because "'$($example.title.Trim('- '))' is an example of $Name"
            @(Get-UnknownParameters "$($example.code)") | Should -BeNullOrEmpty -Because "'$($example.title.Trim('- '))' must use real parameters"
        }
    }

    It 'describes every parameter' {
        $described = @{}
        foreach ($parameter in @($script:Help.parameters.parameter | Where-Object { $_ })) {
            $described[$parameter.name] = Get-HelpText $parameter.description
        }
        foreach ($parameter in $script:Command.Parameters.Keys | Where-Object { $_ -notin $script:CommonParameters }) {
            $described.ContainsKey($parameter) | Should -BeTrue -Because "-$parameter of $Name needs help"
            $described[$parameter] | Should -Not -BeNullOrEmpty -Because "-$parameter of $Name needs a description"
        }
    }

    It 'describes no parameter the cmdlet does not have' {
        foreach ($parameter in @($script:Help.parameters.parameter | Where-Object { $_ })) {
            $script:Command.Parameters.Keys | Should -Contain $parameter.name
        }
    }

    It 'shows one syntax per parameter set' {
        @($script:Help.syntax.syntaxItem).Count | Should -Be @($script:Command.ParameterSets).Count
    }
}
