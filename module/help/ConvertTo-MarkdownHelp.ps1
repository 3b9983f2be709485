#Requires -Version 7.4
<#
.SYNOPSIS
    Writes the online copy of the DataCompass help: docs/help/<Verb-Noun>.md for every cmdlet, the about topics, and
    an index, from the same sources as the MAML file (the cmdlets' metadata and module/help/*.psd1).
.DESCRIPTION
    Each cmdlet's HelpUri points at its page, so Get-Help <cmdlet> -Online opens it. build.ps1 -Task Docs runs this
    script in a child pwsh; tests/Pester/Help.Tests.ps1 writes the pages again to a temporary folder and fails when
    the committed ones differ, so the online copy never drifts from the help the module ships.
.EXAMPLE
    pwsh -NoProfile -File module/help/ConvertTo-MarkdownHelp.ps1 -ModulePath out/DataCompass/DataCompass.psd1 -OutputPath docs/help
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $OutputPath,
    [string] $HelpPath = $PSScriptRoot
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$module = Import-Module $ModulePath -Force -PassThru
$common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
$null = New-Item -ItemType Directory -Force -Path $OutputPath

. (Join-Path $PSScriptRoot 'HelpText.ps1')

# The paragraphs of the MAML file, a blank line between them.
function Format-Paragraphs([string] $Text) { (ConvertTo-Paragraphs $Text) -join "`n`n" }

function Write-Page([string] $Path, [string[]] $Lines) {
    # LF endings and one final newline on every platform, so the comparison in the tests is byte for byte.
    [IO.File]::WriteAllText($Path, (($Lines -join "`n").TrimEnd() + "`n"), [Text.UTF8Encoding]::new($false))
}

$names = @($module.ExportedCmdlets.Keys | Sort-Object)
foreach ($name in $names) {
    $help = Import-PowerShellDataFile (Join-Path $HelpPath "$name.psd1")
    $command = Get-Command $name -Module DataCompass
    $lines = @(
        "# $name"
        ''
        '<!-- Written by module/help/ConvertTo-MarkdownHelp.ps1 from module/help/' + $name + '.psd1 (build.ps1 -Task Docs); edit that file, not this one. -->'
        ''
        (Format-Paragraphs $help.Synopsis)
        ''
        '## Syntax'
        ''
        '```powershell'
        (((Get-Command $name -Syntax) -split '\r?\n' | Where-Object { $_.Trim() }) -join "`n`n")
        '```'
        ''
        '## Description'
        ''
        (Format-Paragraphs $help.Description)
        ''
        '## Parameters'
        ''
    )
    $parameterNames = @($command.Parameters.Keys | Where-Object { $_ -notin $common } | Sort-Object)
    foreach ($parameterName in $parameterNames) {
        $parameter = $command.Parameters[$parameterName]
        $attributes = @($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] })
        $facts = @(
            "Type: ``$($parameter.ParameterType.Name)``"
            if ($attributes | Where-Object Mandatory) { 'required' }
            if ($attributes | Where-Object ValueFromPipeline) { 'from the pipeline' }
            if ($attributes | Where-Object ValueFromPipelineByPropertyName) { 'from the pipeline by property name' }
            if ($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }) { 'wildcards' }
            if ($parameter.Aliases.Count -gt 0) { 'aliases: ' + (($parameter.Aliases | ForEach-Object { "-$_" }) -join ', ') }
        )
        $text = if ($help.Parameters -and $help.Parameters.ContainsKey($parameterName)) { $help.Parameters[$parameterName] }
            elseif ($parameterName -eq 'WhatIf') { 'Shows what would happen if the cmdlet runs. The cmdlet is not run.' }
            elseif ($parameterName -eq 'Confirm') { 'Prompts you for confirmation before running the cmdlet.' }
            else { throw "$name -$parameterName has no help text." }
        $lines += "### -$parameterName", '', (Format-Paragraphs $text), '', (($facts -join '; ') + '.'), ''
    }
    $lines += '## Examples', ''
    $number = 0
    foreach ($example in $help.Examples) {
        $number++
        $lines += "### Example $number`: $($example.Title)", '', '```powershell', $example.Code.TrimEnd(), '```', '', (Format-Paragraphs $example.Remarks), ''
    }
    $lines += '## Outputs', '', (Format-Paragraphs $help.Outputs), ''
    if ($help.ContainsKey('Notes') -and $help.Notes) { $lines += '## Notes', '', (Format-Paragraphs $help.Notes), '' }
    $lines += '## Related links', ''
    foreach ($link in @($help.RelatedLinks)) {
        $lines += if ($link -in $names) { "- [$link]($link.md)" } elseif ($link -like 'about_*') { "- [$link]($link.md)" } else { "- $link" }
    }
    Write-Page (Join-Path $OutputPath "$name.md") $lines
}

# The about topics as they are, and an index.
$aboutFolder = Join-Path (Split-Path (Resolve-Path $ModulePath)) 'en-US'
$abouts = @(Get-ChildItem $aboutFolder -Filter 'about_*.help.txt' | Sort-Object Name)
foreach ($about in $abouts) {
    $topic = $about.Name -replace '\.help\.txt$', ''
    $text = (Get-Content -Raw $about.FullName) -replace '\r\n', "`n"
    Write-Page (Join-Path $OutputPath "$topic.md") @("# $topic", '', '```text', $text.TrimEnd(), '```')
}
$index = @('# DataCompass help', '', 'The help of every DataCompass cmdlet, as `Get-Help <cmdlet> -Full` shows it. `Get-Help <cmdlet> -Online` opens these pages.', '')
$index += @($names | ForEach-Object { "- [$_]($_.md): $((Format-Paragraphs (Import-PowerShellDataFile (Join-Path $HelpPath "$_.psd1")).Synopsis))" })
$index += '', '## About topics', ''
$index += @($abouts | ForEach-Object { $topic = $_.Name -replace '\.help\.txt$', ''; "- [$topic]($topic.md)" })
Write-Page (Join-Path $OutputPath 'README.md') $index
Write-Host "Wrote the help of $($names.Count) cmdlets and $($abouts.Count) about topics to $OutputPath"
