using System.ComponentModel.DataAnnotations;

namespace GardenCity.Monitoring.Api.Ecology;

/// <summary>How exact camera-trap locations are generalised for the roles that may not see them.</summary>
public enum LocationGeneralisation
{
    /// <summary>The centre of the cell of a square grid of <see cref="EcologyOptions.GridKm"/> (the default).</summary>
    Grid = 0,

    /// <summary>The centroid of the camera traps of the station's site (a site with one camera trap falls back to the grid).</summary>
    SiteCentroid = 1,
}

/// <summary>Settings of the ecologists' workflow (<c>GardenCity:Ecology</c>; docs/ecology.md).</summary>
public sealed class EcologyOptions : IValidatableObject
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "GardenCity:Ecology";

    /// <summary>
    /// Scientific names of the sensitive species: their machine detections are held <c>unverified</c> until a reviewer
    /// confirms or corrects them. A name covers its subspecies (<c>Panthera pardus</c> covers <c>Panthera pardus
    /// japonensis</c>). <value>The default value is empty</value> (nothing held); the shipped appsettings.json lists the
    /// North China leopard and the brown eared pheasant.
    /// </summary>
    public List<string> SensitiveSpecies { get; } = [];

    /// <summary>How exact locations are generalised for roles below reviewer. <value>The default value is Grid.</value></summary>
    public LocationGeneralisation Generalise { get; set; } = LocationGeneralisation.Grid;

    /// <summary>Side of a grid cell, km. <value>The default value is 10.</value></summary>
    [Range(1.0, 100.0)]
    public double GridKm { get; set; } = 10;

    /// <summary>Species names must look like scientific names.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (int i = 0; i < SensitiveSpecies.Count; i++)
        {
            string name = SensitiveSpecies[i];
            if (string.IsNullOrWhiteSpace(name) || name.Length > 100 || !char.IsLetter(name[0]) || name.Any(c => !(char.IsLetter(c) || c is ' ' or '.' or '-' or '_')))
            {
                yield return new ValidationResult($"{SectionName}:SensitiveSpecies:{i} '{name}' is not a scientific name (letters, spaces, '.', '-', '_'; e.g. 'Panthera pardus').", [nameof(SensitiveSpecies)]);
            }
        }
    }
}
