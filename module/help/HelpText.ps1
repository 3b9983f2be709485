# Shared by ConvertTo-MamlHelp.ps1 and ConvertTo-MarkdownHelp.ps1: how the text of module/help/*.psd1 is read.

function ConvertTo-Paragraphs([string] $Text) {
    # Blank lines separate paragraphs; the lines of one paragraph are joined, so a help file may wrap freely.
    if ([string]::IsNullOrWhiteSpace($Text)) { return @() }
    return @($Text.Trim() -split '\r?\n\s*\r?\n' | ForEach-Object { ($_ -split '\r?\n' | ForEach-Object Trim) -join ' ' })
}
