# Encryption at rest, for the Pester suites: dot-source after TestHelpers.ps1 and RawSql.ps1. An independent Fernet
# implementation (the spec: version 0x80 | timestamp | IV | AES-128-CBC ciphertext | HMAC-SHA256, URL-safe base64), so
# that tests can check DataCompass's tokens and keys against the standard rather than against DataCompass itself, and
# raw access to a stored field for tests that damage, swap or inspect an enc:v1 value.

function ConvertFrom-UrlSafeBase64([string] $Text) {
    $standard = $Text.Replace('-', '+').Replace('_', '/')
    switch ($standard.Length % 4) { 2 { $standard += '==' } 3 { $standard += '=' } }
    return [Convert]::FromBase64String($standard)
}

function ConvertTo-UrlSafeBase64([byte[]] $Bytes) {
    return [Convert]::ToBase64String($Bytes).Replace('+', '-').Replace('/', '_')
}

function New-FernetKeyText {
    # A standard Fernet key: 32 random bytes, URL-safe base64 (what Python's Fernet.generate_key() returns).
    return ConvertTo-UrlSafeBase64 ([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
}

function Get-FernetKeyId([string] $Key) {
    # The first 8 hex digits of SHA-256 of the raw 32-byte key.
    $hash = [Security.Cryptography.SHA256]::HashData((ConvertFrom-UrlSafeBase64 $Key))
    return -join ($hash[0..3] | ForEach-Object { $_.ToString('x2') })
}

function New-FernetToken {
    param([Parameter(Mandatory)] [string] $Key, [Parameter(Mandatory)] [AllowEmptyCollection()] [byte[]] $Plaintext)
    $raw = ConvertFrom-UrlSafeBase64 $Key
    $aes = [Security.Cryptography.Aes]::Create()
    try {
        $aes.Key = [byte[]] $raw[16..31]
        $iv = [Security.Cryptography.RandomNumberGenerator]::GetBytes(16)
        $ciphertext = $aes.EncryptCbc($Plaintext, $iv, [Security.Cryptography.PaddingMode]::PKCS7)
    }
    finally {
        $aes.Dispose()
    }
    $timestamp = [BitConverter]::GetBytes([long][DateTimeOffset]::UtcNow.ToUnixTimeSeconds())
    if ([BitConverter]::IsLittleEndian) { [Array]::Reverse($timestamp) }
    $signed = [byte[]] (@([byte] 0x80) + $timestamp + $iv + $ciphertext)
    $mac = [Security.Cryptography.HMACSHA256]::HashData([byte[]] $raw[0..15], $signed)
    return ConvertTo-UrlSafeBase64 ([byte[]] ($signed + $mac))
}

function Read-FernetToken {
    <#
    .SYNOPSIS
        Verifies and decrypts a Fernet token; returns the plaintext as UTF-8 text. Throws when it is not a valid token for the key.
    #>
    param([Parameter(Mandatory)] [string] $Key, [Parameter(Mandatory)] [string] $Token)
    $raw = ConvertFrom-UrlSafeBase64 $Key
    $bytes = ConvertFrom-UrlSafeBase64 $Token
    if ($bytes.Length -lt 73 -or $bytes[0] -ne 0x80) { throw 'not a Fernet token (version byte or length)' }
    $signedLength = $bytes.Length - 32
    $expected = [Security.Cryptography.HMACSHA256]::HashData([byte[]] $raw[0..15], [byte[]] $bytes[0..($signedLength - 1)])
    if ([Convert]::ToHexString($expected) -ne [Convert]::ToHexString([byte[]] $bytes[$signedLength..($bytes.Length - 1)])) { throw 'the HMAC does not match' }
    $aes = [Security.Cryptography.Aes]::Create()
    try {
        $aes.Key = [byte[]] $raw[16..31]
        $plaintext = $aes.DecryptCbc([byte[]] $bytes[25..($signedLength - 1)], [byte[]] $bytes[9..24], [Security.Cryptography.PaddingMode]::PKCS7)
    }
    finally {
        $aes.Dispose()
    }
    return [Text.Encoding]::UTF8.GetString($plaintext)
}

function Read-EncryptedValue {
    <#
    .SYNOPSIS
        Splits a stored enc:v1:<keyId>:<token> value; returns KeyId and Token, or throws when the value has another form.
    #>
    param([Parameter(Mandatory)] [string] $Value)
    if ($Value -notmatch '^enc:v1:(?<id>[0-9a-f]{8}):(?<token>[A-Za-z0-9_=-]+)$') { throw "not an enc:v1 value: '$Value'" }
    [pscustomobject]@{ KeyId = $Matches.id; Token = $Matches.token }
}

function Get-StoredField {
    # The raw value of one field of one source's connection_info, past the module.
    param([Parameter(Mandatory)] [string] $Database, [Parameter(Mandatory)] [string] $Source, [Parameter(Mandatory)] [string] $Field)
    $row = Invoke-RawSql -Database $Database -ReadOnly -Sql 'SELECT connection_info FROM data_sources WHERE name = $name' -Parameters @{ '$name' = $Source }
    if (-not $row) { throw "no source '$Source' in '$Database'" }
    return ($row.connection_info | ConvertFrom-Json -AsHashtable)[$Field]
}

function Set-StoredField {
    # Overwrites one field of one source's connection_info, past the module (a damaged or foreign value). Key order kept.
    param([Parameter(Mandatory)] [string] $Database, [Parameter(Mandatory)] [string] $Source, [Parameter(Mandatory)] [string] $Field, $Value)
    $row = Invoke-RawSql -Database $Database -Sql 'SELECT connection_info FROM data_sources WHERE name = $name' -Parameters @{ '$name' = $Source }
    $info = $row.connection_info | ConvertFrom-Json
    $info.$Field = $Value
    Invoke-RawSql -Database $Database -Sql 'UPDATE data_sources SET connection_info = $info WHERE name = $name' `
        -Parameters @{ '$name' = $Source; '$info' = ($info | ConvertTo-Json -Compress -Depth 5) } | Out-Null
}

function Get-TamperedToken([string] $Value) {
    # The same enc:v1 value with one character of the token's ciphertext changed: its HMAC no longer matches.
    $position = $Value.Length - 60
    $replacement = if ($Value[$position] -eq 'A') { 'B' } else { 'A' }
    return $Value.Substring(0, $position) + $replacement + $Value.Substring($position + 1)
}

function Get-CatalogFile([string] $Database) {
    # The database file and its -wal/-shm/-journal companions.
    Get-ChildItem -LiteralPath (Split-Path -Parent $Database) -File -Force |
        Where-Object Name -Like "$(Split-Path -Leaf $Database)*" | ForEach-Object FullName
}

function Get-DefaultVaultName {
    # The default vault, if any: with one, Add-DcSource has a vault for literal secrets and "no vault" cannot be set up.
    @(Get-SecretVault -ErrorAction SilentlyContinue | Where-Object IsDefault | ForEach-Object Name)
}

function Get-ContentSnapshot([string] $Path) {
    # Get-FolderSnapshot without what reading a WAL-mode catalog leaves behind: the -shm index and an empty -wal.
    Get-FolderSnapshot $Path | Where-Object { $_ -notmatch '-shm \d+ ' -and $_ -notmatch '-wal 0 ' }
}
