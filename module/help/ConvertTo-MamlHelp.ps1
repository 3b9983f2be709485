#Requires -Version 7.4
<#
.SYNOPSIS
    Writes the MAML help file of the DataCompass cmdlets from their own metadata and the text in module/help.
.DESCRIPTION
    Imports the built module into this session, reads each exported cmdlet's parameter sets, parameter types,
    mandatory flags, positions, pipeline input, wildcard support, aliases and output types through Get-Command,
    and merges the text of <Verb-Noun>.psd1 beside this script (Synopsis, Description, Parameters, Examples,
    Outputs, Notes, RelatedLinks). The result is one helpItems file in the schema of PowerShell's own
    *.dll-Help.xml files. Default values are not in the metadata, so none are written.

    Throws, writing nothing, when a cmdlet has no help file, a parameter has no text, a help file describes a
    parameter the cmdlet does not have, or a help file is malformed. build.ps1 runs it in a child pwsh, since the
    module's assemblies cannot be unloaded from the build's own session.
.EXAMPLE
    pwsh -NoProfile -File module/help/ConvertTo-MamlHelp.ps1 -ModulePath out/DataCompass/DataCompass.psd1 -OutputPath out/DataCompass/en-US/DataCompass.dll-Help.xml
#>
[CmdletBinding()]
param(
    # The built module's manifest.
    [Parameter(Mandatory)] [string] $ModulePath,

    # The MAML file to write, normally <module folder>/en-US/DataCompass.dll-Help.xml.
    [Parameter(Mandatory)] [string] $OutputPath,

    # The folder holding the <Verb-Noun>.psd1 help files.
    [string] $HelpPath = $PSScriptRoot
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$MamlNs = 'http://schemas.microsoft.com/maml/2004/10'
$CommandNs = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$DevNs = 'http://schemas.microsoft.com/maml/dev/2004/10'
$MsHelpNs = 'http://msdn.microsoft.com/mshelp'
$XmlnsNs = 'http://www.w3.org/2000/xmlns/'
$KnownKeys = 'Synopsis', 'Description', 'Parameters', 'Examples', 'Outputs', 'Notes', 'RelatedLinks'
$CommonParameters = [System.Management.Automation.Cmdlet]::CommonParameters
# WhatIf and Confirm mean the same on every cmdlet: their text lives here, and a help file may still override it.
$StandardText = @{
    WhatIf  = 'Shows what would happen if the cmdlet runs. The cmdlet is not run.'
    Confirm = 'Prompts you for confirmation before running the cmdlet.'
}

. (Join-Path $PSScriptRoot 'HelpText.ps1')

function Join-Words([string[]] $Words) {
    # a; a and b; a, b and c
    if ($Words.Count -le 1) { return "$Words" }
    return ($Words[0..($Words.Count - 2)] -join ', ') + ' and ' + $Words[-1]
}

function Test-Text($Value) {
    return $Value -is [string] -and -not [string]::IsNullOrWhiteSpace($Value)
}

function Write-Paragraphs([System.Xml.XmlWriter] $Writer, [string] $Text) {
    $paragraphs = @(ConvertTo-Paragraphs $Text)
    if ($paragraphs.Count -eq 0) { $paragraphs = @('') }
    foreach ($paragraph in $paragraphs) { $Writer.WriteElementString('maml', 'para', $MamlNs, $paragraph) }
}

function Write-Description([System.Xml.XmlWriter] $Writer, [string] $Text) {
    $Writer.WriteStartElement('maml', 'description', $MamlNs)
    Write-Paragraphs $Writer $Text
    $Writer.WriteEndElement()
}

function Write-DevType([System.Xml.XmlWriter] $Writer, [string] $Name) {
    $Writer.WriteStartElement('dev', 'type', $DevNs)
    $Writer.WriteElementString('maml', 'name', $MamlNs, $Name)
    $Writer.WriteElementString('maml', 'uri', $MamlNs, '')
    $Writer.WriteEndElement()
}

function Get-ElementType([type] $Type) {
    if ($Type.IsArray) { return $Type.GetElementType() }
    return $Type
}

function Read-HelpFile([string] $Path, [System.Management.Automation.CmdletInfo] $Command, [string[]] $ModuleCommands) {
    $help = Import-PowerShellDataFile -LiteralPath $Path
    $problems = [System.Collections.Generic.List[string]]::new()
    foreach ($key in $help.Keys) {
        if ($key -notin $KnownKeys) { $problems.Add("unknown key '$key' (known keys: $($KnownKeys -join ', '))") }
    }

    $described = if ($help.ContainsKey('Parameters')) { $help.Parameters } else { @{} }
    if ($described -isnot [hashtable]) { $problems.Add('Parameters must be a hashtable of parameter name to text') ; $described = @{} }
    foreach ($name in $described.Keys) {
        if (-not $Command.Parameters.ContainsKey($name)) {
            $problems.Add("it describes the parameter '$name', which $($Command.Name) does not have")
        }
        elseif (-not (Test-Text $described[$name])) {
            $problems.Add("the text of parameter '$name' is empty")
        }
    }
    foreach ($name in $Command.Parameters.Keys) {
        if ($name -in $CommonParameters) { continue }
        $exactKey = @($described.Keys | Where-Object { $_ -ceq $name })
        if ($exactKey.Count -eq 0 -and @($described.Keys | Where-Object { $_ -eq $name }).Count -gt 0) {
            $problems.Add("the parameter '$name' is spelled in another case")
        }
        elseif ($exactKey.Count -eq 0 -and -not $StandardText.ContainsKey($name)) {
            $problems.Add("the parameter '$name' has no text")
        }
    }

    $examples = @(if ($help.ContainsKey('Examples')) { $help.Examples })
    for ($i = 0; $i -lt $examples.Count; $i++) {
        if ($examples[$i] -isnot [hashtable] -or -not (Test-Text $examples[$i].Code) -or -not (Test-Text $examples[$i].Title)) {
            $problems.Add("example $($i + 1) needs a Title and a Code")
        }
        elseif (@($examples[$i].Keys | Where-Object { $_ -notin 'Title', 'Code', 'Remarks' }).Count -gt 0) {
            $problems.Add("example $($i + 1) may only have the keys Title, Code and Remarks")
        }
    }

    $outputTypes = @($Command.OutputType | ForEach-Object { $_.Type.FullName })
    if ($help.ContainsKey('Outputs') -and $help.Outputs -is [hashtable]) {
        foreach ($typeName in $help.Outputs.Keys) {
            if ($typeName -notin $outputTypes) { $problems.Add("Outputs describes '$typeName', which is not an OutputType of $($Command.Name) ($($outputTypes -join ', '))") }
        }
    }

    foreach ($link in @(if ($help.ContainsKey('RelatedLinks')) { $help.RelatedLinks })) {
        if ($link -notin $ModuleCommands -and $link -notlike 'about_*' -and $link -notmatch '^https?://') {
            $problems.Add("the related link '$link' is neither a DataCompass cmdlet, an about_ topic nor a URI")
        }
    }

    if ($problems.Count -gt 0) {
        throw "The help file '$Path' of $($Command.Name) is not usable: $($problems -join '; ')."
    }
    return $help
}

function Get-ParameterSets([System.Management.Automation.CmdletInfo] $Command) {
    # The default set first, as Get-Help lists it; then the others in the cmdlet's order.
    return @($Command.ParameterSets | Sort-Object -Stable { -not $_.IsDefault })
}

function Get-OrderedParameters([System.Management.Automation.CommandParameterSetInfo] $Set) {
    # Positional first by position, then mandatory, then the rest in declaration order: the order of PowerShell's own syntax.
    $parameters = @($Set.Parameters | Where-Object { $_.Name -notin $CommonParameters })
    return @($parameters | Sort-Object -Stable @{ Expression = { if ($_.Position -ge 0) { $_.Position } else { [int]::MaxValue } } }, @{ Expression = { -not $_.IsMandatory } })
}

function Get-PipelineText([bool] $ByValue, [bool] $ByPropertyName) {
    if ($ByValue -and $ByPropertyName) { return 'True (ByValue, ByPropertyName)' }
    if ($ByValue) { return 'True (ByValue)' }
    if ($ByPropertyName) { return 'True (ByPropertyName)' }
    return 'False'
}

function Write-Parameter {
    param(
        [System.Xml.XmlWriter] $Writer,
        [System.Management.Automation.CmdletInfo] $Command,
        [string] $Name,
        [bool] $Required,
        [int] $Position,
        [bool] $ByValue,
        [bool] $ByPropertyName,
        [string] $Text,
        [bool] $InSyntax
    )
    $metadata = $Command.Parameters[$Name]
    $type = $metadata.ParameterType
    $isSwitch = $type -eq [System.Management.Automation.SwitchParameter]
    $globbing = @($metadata.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }).Count -gt 0
    $aliases = @($metadata.Aliases)

    $Writer.WriteStartElement('command', 'parameter', $CommandNs)
    $Writer.WriteAttributeString('required', $Required.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('variableLength', 'true')
    $Writer.WriteAttributeString('globbing', $globbing.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('pipelineInput', (Get-PipelineText $ByValue $ByPropertyName))
    $Writer.WriteAttributeString('position', $(if ($Position -ge 0) { [string]$Position } else { 'named' }))
    $Writer.WriteAttributeString('aliases', $(if ($aliases.Count -gt 0) { $aliases -join ', ' } else { 'none' }))
    $Writer.WriteElementString('maml', 'name', $MamlNs, $Name)
    Write-Description $Writer $Text
    # A switch takes no value: in a syntax line it shows as [-Name], in the parameter list as SwitchParameter.
    if (-not ($isSwitch -and $InSyntax)) {
        $Writer.WriteStartElement('command', 'parameterValue', $CommandNs)
        $Writer.WriteAttributeString('required', (-not $isSwitch).ToString().ToLowerInvariant())
        $Writer.WriteAttributeString('variableLength', 'false')
        $Writer.WriteString($type.Name)
        $Writer.WriteEndElement()
    }
    Write-DevType $Writer $type.FullName
    $Writer.WriteElementString('dev', 'defaultValue', $DevNs, $(if ($isSwitch) { 'False' } else { 'None' }))
    $Writer.WriteEndElement()
}

function Write-Command([System.Xml.XmlWriter] $Writer, [System.Management.Automation.CmdletInfo] $Command, [hashtable] $Help) {
    $described = if ($Help.ContainsKey('Parameters')) { $Help.Parameters } else { @{} }
    $textOf = { param($name) if ($described.ContainsKey($name)) { $described[$name] } else { $StandardText[$name] } }
    $sets = Get-ParameterSets $Command

    $Writer.WriteStartElement('command', 'command', $CommandNs)
    $Writer.WriteAttributeString('xmlns', 'maml', $XmlnsNs, $MamlNs)
    $Writer.WriteAttributeString('xmlns', 'command', $XmlnsNs, $CommandNs)
    $Writer.WriteAttributeString('xmlns', 'dev', $XmlnsNs, $DevNs)
    $Writer.WriteAttributeString('xmlns', 'MSHelp', $XmlnsNs, $MsHelpNs)

    $Writer.WriteStartElement('command', 'details', $CommandNs)
    $Writer.WriteElementString('command', 'name', $CommandNs, $Command.Name)
    $Writer.WriteElementString('command', 'verb', $CommandNs, $Command.Verb)
    $Writer.WriteElementString('command', 'noun', $CommandNs, $Command.Noun)
    Write-Description $Writer $Help['Synopsis']
    $Writer.WriteEndElement()

    Write-Description $Writer $Help['Description']

    $Writer.WriteStartElement('command', 'syntax', $CommandNs)
    foreach ($set in $sets) {
        $Writer.WriteStartElement('command', 'syntaxItem', $CommandNs)
        $Writer.WriteElementString('maml', 'name', $MamlNs, $Command.Name)
        foreach ($parameter in Get-OrderedParameters $set) {
            Write-Parameter -Writer $Writer -Command $Command -Name $parameter.Name -Required $parameter.IsMandatory -Position $parameter.Position `
                -ByValue $parameter.ValueFromPipeline -ByPropertyName $parameter.ValueFromPipelineByPropertyName -Text (& $textOf $parameter.Name) -InSyntax $true
        }
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    # One entry per parameter, alphabetical as in PowerShell's own help, WhatIf and Confirm last. Where its sets
    # disagree: required only when mandatory in every set, the default set's position, pipeline input when any set takes it.
    $Writer.WriteStartElement('command', 'parameters', $CommandNs)
    $names = @($sets | ForEach-Object { $_.Parameters } | ForEach-Object Name | Where-Object { $_ -notin $CommonParameters } | Select-Object -Unique |
        Sort-Object @{ Expression = { $_ -in 'WhatIf', 'Confirm' } }, @{ Expression = { $_ } })
    foreach ($name in $names) {
        $inSets = @($sets | ForEach-Object { $_.Parameters | Where-Object Name -EQ $name })
        Write-Parameter -Writer $Writer -Command $Command -Name $name `
            -Required (@($inSets | Where-Object { -not $_.IsMandatory }).Count -eq 0) -Position $inSets[0].Position `
            -ByValue (@($inSets | Where-Object ValueFromPipeline).Count -gt 0) `
            -ByPropertyName (@($inSets | Where-Object ValueFromPipelineByPropertyName).Count -gt 0) `
            -Text (& $textOf $name) -InSyntax $false
    }
    $Writer.WriteEndElement()

    # Inputs follow from the pipeline bindings: each by-value type, then the properties that bind by name.
    $Writer.WriteStartElement('command', 'inputTypes', $CommandNs)
    $all = @($sets | ForEach-Object { $_.Parameters } | Where-Object { $_.Name -notin $CommonParameters })
    $byValue = @($all | Where-Object ValueFromPipeline | Group-Object { (Get-ElementType $_.ParameterType).FullName })
    $byName = @($all | Where-Object ValueFromPipelineByPropertyName | ForEach-Object Name | Select-Object -Unique)
    foreach ($group in $byValue) {
        $targets = @($group.Group | ForEach-Object Name | Select-Object -Unique | ForEach-Object { "-$_" })
        $Writer.WriteStartElement('command', 'inputType', $CommandNs)
        Write-DevType $Writer $group.Name
        Write-Description $Writer "You can pipe $($group.Name) objects to $(Join-Words $targets) (ByValue)."
        $Writer.WriteEndElement()
    }
    if ($byName.Count -gt 0) {
        $names = @($byName | ForEach-Object {
            $aliases = @($Command.Parameters[$_].Aliases)
            if ($aliases.Count -gt 0) { "$_ (or $($aliases -join ', '))" } else { $_ }
        })
        $Writer.WriteStartElement('command', 'inputType', $CommandNs)
        Write-DevType $Writer 'System.Management.Automation.PSObject'
        Write-Description $Writer "Any object with properties named $(Join-Words $names): each binds to the parameter of that name (ByPropertyName)."
        $Writer.WriteEndElement()
    }
    if ($byValue.Count -eq 0 -and $byName.Count -eq 0) {
        $Writer.WriteStartElement('command', 'inputType', $CommandNs)
        Write-DevType $Writer 'None'
        Write-Description $Writer "You cannot pipe objects to $($Command.Name)."
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'returnValues', $CommandNs)
    $outputs = if ($Help.ContainsKey('Outputs')) { $Help.Outputs } else { $null }
    $types = @($Command.OutputType | ForEach-Object { $_.Type.FullName } | Where-Object { $_ -ne 'System.Void' })
    if ($types.Count -eq 0) { $types = @('None') }
    foreach ($typeName in $types) {
        $text = if ($outputs -is [hashtable]) { $outputs[$typeName] } else { $outputs }
        $Writer.WriteStartElement('command', 'returnValue', $CommandNs)
        Write-DevType $Writer $typeName
        Write-Description $Writer $text
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('maml', 'alertSet', $MamlNs)
    $Writer.WriteStartElement('maml', 'alert', $MamlNs)
    Write-Paragraphs $Writer $(if ($Help.ContainsKey('Notes')) { $Help.Notes })
    $Writer.WriteEndElement()
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'examples', $CommandNs)
    $number = 0
    foreach ($example in @(if ($Help.ContainsKey('Examples')) { $Help.Examples })) {
        $number++
        $Writer.WriteStartElement('command', 'example', $CommandNs)
        $Writer.WriteElementString('maml', 'title', $MamlNs, "-------------------------- Example ${number}: $($example.Title.Trim()) --------------------------")
        $Writer.WriteElementString('dev', 'code', $DevNs, ($example.Code.Trim("`r", "`n") -replace '\r\n', "`n"))
        $Writer.WriteStartElement('dev', 'remarks', $DevNs)
        Write-Paragraphs $Writer $example['Remarks']
        $Writer.WriteEndElement()
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'relatedLinks', $CommandNs)
    foreach ($link in @(if ($Help.ContainsKey('RelatedLinks')) { $Help.RelatedLinks })) {
        $Writer.WriteStartElement('maml', 'navigationLink', $MamlNs)
        $isUri = $link -match '^https?://'
        $Writer.WriteElementString('maml', 'linkText', $MamlNs, $(if ($isUri) { '' } else { $link }))
        $Writer.WriteElementString('maml', 'uri', $MamlNs, $(if ($isUri) { $link } else { '' }))
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteEndElement()
}

$module = Import-Module -Name (Resolve-Path -LiteralPath $ModulePath).ProviderPath -Force -PassThru -ErrorAction Stop
$commands = @(Get-Command -Module $module.Name -CommandType Cmdlet | Sort-Object Name)
if ($commands.Count -eq 0) { throw "The module '$ModulePath' exports no cmdlets." }
$commandNames = @($commands | ForEach-Object Name)

$helpFiles = @(Get-ChildItem -LiteralPath $HelpPath -Filter '*.psd1' -File)
$stale = @($helpFiles | Where-Object { $_.BaseName -notin $commandNames } | ForEach-Object Name)
if ($stale.Count -gt 0) { throw "Help files without a cmdlet in $($module.Name): $($stale -join ', ')." }
$missing = @($commandNames | Where-Object { -not (Test-Path -LiteralPath (Join-Path $HelpPath "$_.psd1")) })
if ($missing.Count -gt 0) { throw "Cmdlets without a help file in '$HelpPath': $($missing -join ', ')." }

$helps = [ordered]@{}
foreach ($command in $commands) {
    $helps[$command.Name] = Read-HelpFile -Path (Join-Path $HelpPath "$($command.Name).psd1") -Command $command -ModuleCommands $commandNames
}

# Written to memory first: a failure leaves no half-written file behind.
$settings = [System.Xml.XmlWriterSettings]::new()
$settings.Indent = $true
$settings.IndentChars = '  '
$settings.NewLineChars = "`n"
$settings.Encoding = [System.Text.UTF8Encoding]::new($false)
$buffer = [System.IO.MemoryStream]::new()
$writer = [System.Xml.XmlWriter]::Create($buffer, $settings)
try {
    $writer.WriteStartDocument()
    $writer.WriteStartElement('helpItems', 'http://msh')
    $writer.WriteAttributeString('schema', 'maml')
    foreach ($command in $commands) {
        Write-Command $writer $command $helps[$command.Name]
    }
    $writer.WriteEndElement()
    $writer.WriteEndDocument()
}
finally {
    $writer.Dispose()
}

$fullPath = [System.IO.Path]::GetFullPath($OutputPath, (Get-Location).ProviderPath)
$null = New-Item -ItemType Directory -Force -Path (Split-Path -Parent $fullPath)
[System.IO.File]::WriteAllBytes($fullPath, $buffer.ToArray())
Write-Host "Wrote help for $($commands.Count) cmdlets to $fullPath"
